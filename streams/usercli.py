"""``buzzwire users`` and ``buzzwire tokens``: people and API tokens, from a shell, a script or
a container (docs/users-and-access.md).

Nothing here needs a terminal: a password comes from stdin (``--password-stdin``: its first
line) or is generated and printed once, alone on the last line of stdout, like a new token.
No password, hash or token is ever printed otherwise, nor the database URL's password.
Exit status: 0 done, 1 refused (the message says why), 2 cannot run (no URL, schema behind).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.config import Settings
from streams.store import users as store
from streams.store.database import (
    SchemaBehind,
    async_engine,
    public_url,
    require_current_schema,
)

NO_URL = (
    "BUZZWIRE_DATABASE_URL is not set: point it at your PostgreSQL "
    "(postgresql://user:password@host:port/db), or run `buzzwire postgres start` "
    "(see docs/store.md)"
)

T = TypeVar("T")


class _Refused(Exception):
    """A message for stderr and exit status 1."""


def _in_transaction(settings: Settings, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    url = settings.database_url
    assert url is not None

    async def go() -> T:
        engine = async_engine(url, pool_size=1)
        try:
            await require_current_schema(engine)
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _run(
    command: str, settings: Settings, work: Callable[[AsyncConnection], Awaitable[int]]
) -> int:
    if settings.database_url is None:
        print(f"buzzwire {command}: {NO_URL}", file=sys.stderr)
        return 2
    try:
        return _in_transaction(settings, work)
    except SchemaBehind as exc:
        print(f"buzzwire {command}: {exc}", file=sys.stderr)
        return 2
    except (store.UserError, _Refused) as exc:
        print(f"buzzwire {command}: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        # the driver's message names the host and user, never the password
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        where = public_url(settings.database_url)
        print(f"buzzwire {command}: {where}: {detail}", file=sys.stderr)
        return 1


def _read_password() -> str:
    """The first line of stdin (a prompt without echo when stdin is a terminal)."""
    if sys.stdin is None:
        raise _Refused("--password-stdin: there is no stdin")
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise _Refused("--password-stdin: stdin held no password")
    return password


def _brands_text(user: store.User) -> str:
    if user.all_brands:
        return "all brands"
    return ", ".join(user.brands) or "no brands"


def _print_generated(password: str) -> None:
    print("generated password, shown only this once:", file=sys.stderr)
    print(password, flush=True)


def run_users(args: argparse.Namespace, settings: Settings) -> int:
    """``buzzwire users add|list|disable|set-password``."""
    action = args.users_action
    password: str | None = None
    generated = False
    if action in ("add", "set-password"):
        # read before connecting, so that a script's pipe is consumed whatever happens
        if args.password_stdin:
            try:
                password = _read_password()
            except _Refused as exc:
                print(f"buzzwire users {action}: {exc}", file=sys.stderr)
                return 1
        else:
            password, generated = store.generate_password(), True

    async def work(conn: AsyncConnection) -> int:
        if action == "add":
            assert password is not None
            brands = [b for b in args.brands.split(",") if b.strip()]
            user = await store.add_user(
                conn,
                args.name,
                args.role,
                brands=brands,
                all_brands=args.all_brands,
                password=password,
            )
            print(f"added user {user.name} (id {user.id}, {user.role}, {_brands_text(user)})")
        elif action == "set-password":
            assert password is not None
            await store.set_password(conn, args.name, password)
            print(f"new password for {args.name}; their web sessions ended")
        elif action == "disable":
            await store.disable_user(conn, args.name)
            print(f"disabled {args.name}: logins, sessions and tokens refused")
        else:
            people = await store.list_users(conn)
            if not people:
                print("no users: add one with `buzzwire users add NAME --role admin`")
            for user in people:
                state = "  (disabled)" if user.disabled else ""
                print(f"{user.id}\t{user.name}\t{user.role}\t{_brands_text(user)}{state}")
        return 0

    status = _run(f"users {action}", settings, work)
    if status == 0 and generated:
        assert password is not None
        _print_generated(password)
    return status


def run_tokens(args: argparse.Namespace, settings: Settings) -> int:
    """``buzzwire tokens create|revoke|list``; a new token is the last line of stdout."""
    action = args.tokens_action
    created: list[str] = []

    async def work(conn: AsyncConnection) -> int:
        if action == "create":
            owner = args.user or args.name
            token_id, token = await store.create_token(conn, owner, args.name)
            print(f"token {token_id} ({args.name}) for {owner}; shown only this once:")
            created.append(token)
        elif action == "revoke":
            if not await store.revoke_token(conn, args.id):
                raise _Refused(f"no token with id {args.id}")
            print(f"revoked token {args.id}")
        else:
            tokens = await store.list_tokens(conn)
            if not tokens:
                print("no tokens")
            for info in tokens:
                used = info.last_used_at.isoformat() if info.last_used_at else "never used"
                state = "revoked" if info.revoked else "active"
                print(f"{info.id}\t{info.name}\t{info.user_name}\t{state}\t{used}")
        return 0

    status = _run(f"tokens {action}", settings, work)
    # printed only once the transaction committed: a token shown is a token that works
    if status == 0:
        for token in created:
            print(token, flush=True)
    return status
