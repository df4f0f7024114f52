"""``buzzwire users`` and ``buzzwire tokens`` in a subprocess, with stdin a pipe (no terminal):
passwords from stdin or generated and shown once, tokens on the last line that authenticate,
never a password (the user's or the URL's) in the output otherwise."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import SecretStr
from sqlalchemy import Select, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.store import users as store
from streams.store.database import async_engine
from streams.store.schema import users

PASSWORD = "a password from a pipe"
T = TypeVar("T")


def buzzwire(
    *args: str, url: SecretStr | None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUZZWIRE_")}
    if url is not None:
        env["BUZZWIRE_DATABASE_URL"] = url.get_secret_value()
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env=env,
        input=stdin,  # a pipe: stdin is not a terminal
        capture_output=True,
        text=True,
        timeout=120,
    )


def in_store(url: SecretStr, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async def go() -> T:
        engine = async_engine(url, pool_size=1)
        try:
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def everything(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_users_add_with_the_password_on_stdin(store_url: SecretStr) -> None:
    db_password = make_url(store_url.get_secret_value()).password
    assert db_password
    added = buzzwire(
        "users", "add", "alice", "--role", "agent", "--brands", "acme,globex",
        "--password-stdin", url=store_url, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "added user alice" in added.stdout
    assert "acme, globex" in added.stdout
    user = in_store(store_url, lambda conn: store.authenticate(conn, "alice", PASSWORD))
    assert user is not None and user.role == "agent" and user.brands == ("acme", "globex")
    stored = in_store(
        store_url,
        lambda conn: _scalar(conn, select(users.c.password_hash)),
    )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

    listed = buzzwire("users", "list", url=store_url)
    assert listed.returncode == 0, listed.stderr
    assert "alice\tagent\tacme, globex" in listed.stdout
    assert "$argon2" not in listed.stdout

    again = buzzwire(
        "users", "add", "alice", "--role", "viewer", "--all-brands", "--password-stdin",
        url=store_url, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert again.returncode == 1
    assert "already exists" in again.stderr

    short = buzzwire(
        "users", "add", "bob", "--role", "viewer", "--all-brands", "--password-stdin",
        url=store_url, stdin="short\n",
    )  # fmt: skip
    assert short.returncode == 1
    assert "at least 12" in short.stderr

    for result in (added, listed, again, short):
        assert PASSWORD not in everything(result)
        assert "short\n" not in result.stdout
        assert db_password not in everything(result)


async def _scalar(conn: AsyncConnection, statement: Select[Any]) -> Any:
    return (await conn.execute(statement)).scalar_one()


def test_a_generated_password_is_printed_once_on_the_last_line(store_url: SecretStr) -> None:
    added = buzzwire("users", "add", "root", "--role", "admin", url=store_url)
    assert added.returncode == 0, added.stderr
    generated = added.stdout.splitlines()[-1]
    assert len(generated) == 24
    assert everything(added).count(generated) == 1
    assert "all brands" in added.stdout
    user = in_store(store_url, lambda conn: store.authenticate(conn, "root", generated))
    assert user is not None and user.is_admin and user.all_brands

    listed = buzzwire("users", "list", url=store_url)
    assert generated not in everything(listed)

    changed = buzzwire(
        "users", "set-password", "root", "--password-stdin", url=store_url, stdin=PASSWORD
    )
    assert changed.returncode == 0, changed.stderr
    assert PASSWORD not in everything(changed)
    assert in_store(store_url, lambda conn: store.authenticate(conn, "root", PASSWORD))
    assert not in_store(store_url, lambda conn: store.authenticate(conn, "root", generated))

    disabled = buzzwire("users", "disable", "root", url=store_url)
    assert disabled.returncode == 0, disabled.stderr
    assert in_store(store_url, lambda conn: store.authenticate(conn, "root", PASSWORD)) is None
    assert "(disabled)" in buzzwire("users", "list", url=store_url).stdout
    missing = buzzwire("users", "disable", "nobody", url=store_url)
    assert missing.returncode == 1 and "no user named 'nobody'" in missing.stderr


def test_tokens_create_prints_a_token_that_authenticates(store_url: SecretStr) -> None:
    added = buzzwire(
        "users", "add", "ci-bot", "--role", "viewer", "--brands", "acme", url=store_url
    )
    assert added.returncode == 0, added.stderr
    created = buzzwire("tokens", "create", "ci-bot", url=store_url)
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[-1]
    assert token.startswith("bzw_")
    user = in_store(store_url, lambda conn: store.user_for_token(conn, token))
    assert user is not None and user.name == "ci-bot" and user.scope.allows("acme")

    other = buzzwire("tokens", "create", "grafana", "--user", "ci-bot", url=store_url)
    assert other.returncode == 0, other.stderr
    listed = buzzwire("tokens", "list", url=store_url)
    assert listed.returncode == 0, listed.stderr
    assert token not in everything(listed)
    assert "grafana\tci-bot\tactive\tnever used" in listed.stdout

    token_id = next(
        line.split("\t")[0] for line in listed.stdout.splitlines() if "\tci-bot\tci" in line
    )
    revoked = buzzwire("tokens", "revoke", token_id, url=store_url)
    assert revoked.returncode == 0, revoked.stderr
    assert in_store(store_url, lambda conn: store.user_for_token(conn, token)) is None
    unknown = buzzwire("tokens", "revoke", "9999", url=store_url)
    assert unknown.returncode == 1 and "no token with id 9999" in unknown.stderr

    nobody = buzzwire("tokens", "create", "ci", "--user", "nobody", url=store_url)
    assert nobody.returncode == 1
    assert "no user named 'nobody'" in nobody.stderr
    assert "bzw_" not in nobody.stdout


def test_without_a_url_it_exits_2() -> None:
    for args in (
        ("users", "list"),
        ("tokens", "create", "x"),
        ("users", "add", "a", "--role", "admin"),
    ):
        result = buzzwire(*args, url=None)
        assert result.returncode == 2, args
        assert "BUZZWIRE_DATABASE_URL is not set" in result.stderr
        assert result.stdout == ""


def test_a_schema_behind_exits_2_without_the_password(empty_database: SecretStr) -> None:
    result = buzzwire("users", "list", url=empty_database)
    assert result.returncode == 2
    assert "run `buzzwire db upgrade`" in result.stderr
    assert str(make_url(empty_database.get_secret_value()).password) not in everything(result)
