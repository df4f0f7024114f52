"""Users, roles, brand scopes, API tokens and web sessions (docs/users-and-access.md).

Every function runs on the caller's ``AsyncConnection`` and leaves the transaction to it
(``async with engine.begin() as conn``): a login that rehashes a password, or a token use that
sets ``last_used_at``, is written when the caller's transaction commits.

- Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``); the password itself is
  never stored, logged nor put in an exception. A hash made with older parameters is replaced
  at the next successful login (``check_needs_rehash``).
- API tokens (``bzw_`` + 32 random bytes, URL-safe) and session ids are stored as their SHA-256
  only: the table cannot be used to log in.
- :class:`LoginRateLimiter` counts failed logins in memory, per process.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.store.schema import ROLES, api_tokens, team_members, teams, users, web_sessions
from streams.store.scope import Scope

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "LoginRateLimiter",
    "TokenInfo",
    "User",
    "UserError",
    "add_team",
    "add_team_member",
    "add_user",
    "authenticate",
    "create_session",
    "create_token",
    "delete_session",
    "disable_user",
    "generate_password",
    "get_user",
    "get_user_by_id",
    "list_tokens",
    "list_users",
    "purge_expired_sessions",
    "revoke_token",
    "session_user",
    "set_password",
    "sha256_hex",
    "teams_of",
    "user_for_token",
    "user_names",
]

#: The shortest password a person may set (generated ones are 24 characters).
MIN_PASSWORD_LENGTH = 12
#: Every API token starts with this, so that a leaked one is easy to recognise (and to scan for).
TOKEN_PREFIX = "bzw_"
#: A token's ``last_used_at`` is written at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_hasher = PasswordHasher()
_dummy_hash: str | None = None


class UserError(ValueError):
    """A user, token or team operation refused; the message says why (never a password)."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    all_brands: bool
    brands: tuple[str, ...]
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_change(self) -> bool:
        """Admins and agents change the inbox (status, assignee, notes); viewers only read."""
        return self.role in ("admin", "agent")

    @property
    def scope(self) -> Scope:
        """The brands this user may see: every brand for an admin or an all-brands user."""
        if self.all_brands or self.is_admin:
            return Scope.everything()
        return Scope.of(self.brands)


@dataclass(frozen=True)
class TokenInfo:
    """An API token as ``buzzwire tokens list`` shows it (never the token, nor its hash)."""

    id: int
    name: str
    user_name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


_USER_COLUMNS = (
    users.c.id,
    users.c.name,
    users.c.role,
    users.c.all_brands,
    users.c.brands,
    users.c.disabled,
)


def _user(row: Any) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=row.role,
        all_brands=bool(row.all_brands) or row.role == "admin",
        brands=tuple(row.brands or ()),
        disabled=bool(row.disabled),
    )


def sha256_hex(value: str) -> str:
    """The SHA-256 of a token or session id, as stored."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def generate_password() -> str:
    """A random password of 24 URL-safe characters (18 random bytes)."""
    return secrets.token_urlsafe(18)


def _hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(18))
    return _dummy_hash


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _clean_brands(brands: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({b.strip() for b in brands if b.strip()}))


async def add_user(
    conn: AsyncConnection,
    name: str,
    role: str,
    *,
    brands: Iterable[str] = (),
    all_brands: bool = False,
    password: str,
) -> User:
    """Add a user. An admin always sees every brand; an agent or a viewer needs ``brands`` or
    ``all_brands``. Raises :class:`UserError` for a taken name, an unknown role, a password
    shorter than :data:`MIN_PASSWORD_LENGTH` or no brands."""
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    wanted = _clean_brands(brands)
    all_brands = all_brands or role == "admin"
    if not all_brands and not wanted:
        raise UserError(f"the role {role} needs --brands (acme,globex) or --all-brands")
    password_hash = _hash_password(password)
    statement = (
        pg_insert(users)
        .values(
            name=name,
            role=role,
            all_brands=all_brands,
            brands=list(wanted),
            password_hash=password_hash,
        )
        .on_conflict_do_nothing(constraint="users_name_key")
        .returning(*_USER_COLUMNS)
    )
    row = (await conn.execute(statement)).first()
    if row is None:
        raise UserError(f"a user named {name!r} already exists")
    return _user(row)


async def get_user(conn: AsyncConnection, name: str) -> User | None:
    row = (await conn.execute(select(*_USER_COLUMNS).where(users.c.name == name))).first()
    return None if row is None else _user(row)


async def get_user_by_id(conn: AsyncConnection, user_id: int) -> User | None:
    row = (await conn.execute(select(*_USER_COLUMNS).where(users.c.id == user_id))).first()
    return None if row is None else _user(row)


async def list_users(conn: AsyncConnection) -> list[User]:
    """Every user, by name (disabled ones too: see ``User.disabled``)."""
    rows = await conn.execute(select(*_USER_COLUMNS).order_by(users.c.name))
    return [_user(row) for row in rows]


async def user_names(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, str]:
    """The names of these user ids (ids of no user are left out)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    rows = await conn.execute(select(users.c.id, users.c.name).where(users.c.id.in_(wanted)))
    return {row.id: row.name for row in rows}


async def authenticate(conn: AsyncConnection, name: str, password: str) -> User | None:
    """The user with this name and password, or None. A missing user costs a verification
    against a dummy hash too, so the time taken does not tell which names exist; a disabled
    user is refused. A hash with outdated parameters is replaced by a new one."""
    row = (
        await conn.execute(
            select(*_USER_COLUMNS, users.c.password_hash).where(users.c.name == name)
        )
    ).first()
    if row is None:
        _verify(_dummy(), password)
        return None
    if not _verify(row.password_hash, password) or row.disabled:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        await conn.execute(
            update(users).where(users.c.id == row.id).values(password_hash=_hasher.hash(password))
        )
    return _user(row)


async def set_password(conn: AsyncConnection, name: str, password: str) -> None:
    """Replace a user's password. Their web sessions end (a new password logs out the rest)."""
    password_hash = _hash_password(password)
    user_id = (
        await conn.execute(
            update(users)
            .where(users.c.name == name)
            .values(password_hash=password_hash)
            .returning(users.c.id)
        )
    ).scalar()
    if user_id is None:
        raise UserError(f"no user named {name!r}")
    await conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


async def disable_user(conn: AsyncConnection, name: str) -> None:
    """Refuse a user's logins, sessions and tokens from now on (their rows stay, for the
    audit log and notes); their web sessions are deleted."""
    user_id = (
        await conn.execute(
            update(users).where(users.c.name == name).values(disabled=True).returning(users.c.id)
        )
    ).scalar()
    if user_id is None:
        raise UserError(f"no user named {name!r}")
    await conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


# -- API tokens ------------------------------------------------------------------------------


async def create_token(conn: AsyncConnection, user_name: str, token_name: str) -> tuple[int, str]:
    """A new API token for a user: (its id, the token). Only its SHA-256 is stored, so the
    token can be shown once and never again."""
    user = await get_user(conn, user_name)
    if user is None:
        raise UserError(f"no user named {user_name!r}")
    if user.disabled:
        raise UserError(f"user {user_name!r} is disabled")
    token_name = token_name.strip()
    if not token_name:
        raise UserError("a token needs a name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = (
        await conn.execute(
            api_tokens.insert()
            .values(user_id=user.id, name=token_name, token_sha256=sha256_hex(token))
            .returning(api_tokens.c.id)
        )
    ).scalar_one()
    return int(token_id), token


async def user_for_token(conn: AsyncConnection, token: str) -> User | None:
    """The user an API token acts as, or None (unknown, revoked, or a disabled user). Sets the
    token's ``last_used_at`` (to the minute: :data:`LAST_USED_RESOLUTION`)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        await conn.execute(
            select(*_USER_COLUMNS, api_tokens.c.id.label("token_id"))
            .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
            .where(
                api_tokens.c.token_sha256 == sha256_hex(token),
                api_tokens.c.revoked.is_(False),
                users.c.disabled.is_(False),
            )
        )
    ).first()
    if row is None:
        return None
    # at most one write a minute: a request that changes nothing then commits without a WAL flush
    await conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == row.token_id,
            or_(
                api_tokens.c.last_used_at.is_(None),
                api_tokens.c.last_used_at < func.now() - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=func.now())
    )
    return _user(row)


async def revoke_token(conn: AsyncConnection, token_id: int) -> bool:
    """Revoke a token; False when there is no token with this id."""
    found = (
        await conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id)
            .values(revoked=True)
            .returning(api_tokens.c.id)
        )
    ).scalar()
    return found is not None


async def list_tokens(conn: AsyncConnection) -> list[TokenInfo]:
    rows = await conn.execute(
        select(
            api_tokens.c.id,
            api_tokens.c.name,
            users.c.name.label("user_name"),
            api_tokens.c.created_at,
            api_tokens.c.last_used_at,
            api_tokens.c.revoked,
        )
        .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
        .order_by(api_tokens.c.id)
    )
    return [
        TokenInfo(
            id=row.id,
            name=row.name,
            user_name=row.user_name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked=row.revoked,
        )
        for row in rows
    ]


# -- web sessions ----------------------------------------------------------------------------


async def create_session(
    conn: AsyncConnection, user_id: int, ttl_seconds: float, *, now: datetime | None = None
) -> tuple[str, str]:
    """A new web session: (session id for the cookie, CSRF token). The table holds the id's
    SHA-256 only; the session expires ``ttl_seconds`` after ``now`` (default: the clock)."""
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    start = now if now is not None else datetime.now(UTC)
    await conn.execute(
        web_sessions.insert().values(
            id_sha256=sha256_hex(session_id),
            user_id=user_id,
            csrf_token=csrf_token,
            expires_at=start + timedelta(seconds=ttl_seconds),
        )
    )
    return session_id, csrf_token


async def session_user(
    conn: AsyncConnection, session_id: str, now: datetime
) -> tuple[User, str] | None:
    """The user of a session and its CSRF token; None when the session is unknown, expired
    (``expires_at`` not after ``now``) or its user disabled."""
    row = (
        await conn.execute(
            select(*_USER_COLUMNS, web_sessions.c.csrf_token)
            .select_from(web_sessions.join(users, users.c.id == web_sessions.c.user_id))
            .where(
                web_sessions.c.id_sha256 == sha256_hex(session_id),
                web_sessions.c.expires_at > now,
                users.c.disabled.is_(False),
            )
        )
    ).first()
    if row is None:
        return None
    return _user(row), row.csrf_token


async def delete_session(conn: AsyncConnection, session_id: str) -> None:
    """End a session (logout)."""
    await conn.execute(
        delete(web_sessions).where(web_sessions.c.id_sha256 == sha256_hex(session_id))
    )


async def purge_expired_sessions(conn: AsyncConnection, now: datetime) -> int:
    """Delete the sessions expired at ``now``; how many."""
    result = await conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
    return int(result.rowcount or 0)


# -- teams -----------------------------------------------------------------------------------


async def add_team(conn: AsyncConnection, name: str, brands: Iterable[str]) -> None:
    """Add a team (a group to assign inbox items to); :class:`UserError` if it exists."""
    name = name.strip()
    if not name:
        raise UserError("a team needs a name")
    added = (
        await conn.execute(
            pg_insert(teams)
            .values(name=name, brands=list(_clean_brands(brands)))
            .on_conflict_do_nothing(index_elements=[teams.c.name])
            .returning(teams.c.name)
        )
    ).scalar()
    if added is None:
        raise UserError(f"a team named {name!r} already exists")


async def add_team_member(conn: AsyncConnection, team: str, user_name: str) -> None:
    """Put a user in a team (again: nothing changes)."""
    user = await get_user(conn, user_name)
    if user is None:
        raise UserError(f"no user named {user_name!r}")
    found = (await conn.execute(select(teams.c.name).where(teams.c.name == team))).scalar()
    if found is None:
        raise UserError(f"no team named {team!r}")
    await conn.execute(
        pg_insert(team_members).values(team=team, user_id=user.id).on_conflict_do_nothing()
    )


async def teams_of(conn: AsyncConnection, user_id: int) -> list[str]:
    """The names of a user's teams, sorted."""
    rows = await conn.execute(
        select(team_members.c.team)
        .where(team_members.c.user_id == user_id)
        .order_by(team_members.c.team)
    )
    return [row.team for row in rows]


# -- login rate limit ------------------------------------------------------------------------


class LoginRateLimiter:
    """Failed logins in a sliding window, in memory and **per process**: with several web
    processes each counts its own, so the real limit is ``max_failures`` times their number.
    Use one key per user name and one per client address (``"name:alice"``, ``"ip:10.0.0.7"``)
    and refuse a login when either is not allowed.

    At most ``max_keys`` keys are kept (the oldest dropped first), so a flood of made-up names
    cannot grow it without bound.
    """

    def __init__(
        self, max_failures: int = 5, window_seconds: float = 300.0, *, max_keys: int = 100_000
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def allow(self, key: str, now: float | None = None) -> bool:
        """Whether a login for ``key`` may be tried now."""
        now = time.monotonic() if now is None else now
        times = self._recent(key, now)
        return times is None or len(times) < self.max_failures

    def failed(self, key: str, now: float | None = None) -> None:
        """Count a failed login for ``key``."""
        now = time.monotonic() if now is None else now
        times = self._recent(key, now)
        if times is None:
            if len(self._failures) >= self.max_keys:
                self._failures.pop(next(iter(self._failures)))
            times = self._failures[key] = deque()
        times.append(now)

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures (after a successful login)."""
        self._failures.pop(key, None)

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        now = time.monotonic() if now is None else now
        times = self._recent(key, now)
        if times is None or len(times) < self.max_failures:
            return 0.0
        return max(0.0, times[-self.max_failures] + self.window_seconds - now)
