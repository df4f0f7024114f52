"""Users, tokens, sessions and teams on the real server: argon2 hashes (never the password),
authentication, brand scopes, tokens and session ids stored as SHA-256 only, the login rate
limiter."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.store import users as store
from streams.store.schema import api_tokens, users, web_sessions
from streams.store.scope import Scope
from streams.store.users import LoginRateLimiter, User, UserError

PASSWORD = "correct horse battery"


async def add(engine: AsyncEngine, name: str = "alice", role: str = "agent", **kw: object) -> User:
    kw.setdefault("brands", ["acme", "globex"])
    kw.setdefault("password", PASSWORD)
    async with engine.begin() as conn:
        return await store.add_user(conn, name, role, **kw)  # type: ignore[arg-type]


async def test_the_password_is_stored_as_an_argon2_hash_only(engine: AsyncEngine) -> None:
    user = await add(engine)
    async with engine.connect() as conn:
        stored = (await conn.execute(select(users.c.password_hash))).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)
    assert user.role == "agent" and user.brands == ("acme", "globex")
    assert PASSWORD not in repr(user)


async def test_authenticate(engine: AsyncEngine) -> None:
    await add(engine)
    async with engine.begin() as conn:
        user = await store.authenticate(conn, "alice", PASSWORD)
        assert user is not None and user.name == "alice"
        assert await store.authenticate(conn, "alice", PASSWORD + "x") is None
        assert await store.authenticate(conn, "alice", "") is None
        assert await store.authenticate(conn, "nobody", PASSWORD) is None
        await store.disable_user(conn, "alice")
        assert await store.authenticate(conn, "alice", PASSWORD) is None


async def test_an_outdated_hash_is_replaced_at_login(engine: AsyncEngine) -> None:
    await add(engine)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    async with engine.begin() as conn:
        await conn.execute(update(users).values(password_hash=weak))
    async with engine.begin() as conn:
        assert await store.authenticate(conn, "alice", PASSWORD) is not None
    async with engine.connect() as conn:
        stored = (await conn.execute(select(users.c.password_hash))).scalar_one()
    assert stored != weak
    assert not PasswordHasher().check_needs_rehash(stored)
    async with engine.begin() as conn:
        assert await store.authenticate(conn, "alice", PASSWORD) is not None


async def test_set_password(engine: AsyncEngine) -> None:
    user = await add(engine)
    async with engine.begin() as conn:
        session_id, _ = await store.create_session(conn, user.id, 3600)
        with pytest.raises(UserError, match="at least 12"):
            await store.set_password(conn, "alice", "short")
        await store.set_password(conn, "alice", "a new long password")
        assert await store.authenticate(conn, "alice", PASSWORD) is None
        assert await store.authenticate(conn, "alice", "a new long password") is not None
        # a new password ends the other sessions
        assert await store.session_user(conn, session_id, datetime.now(UTC)) is None
        with pytest.raises(UserError, match="no user"):
            await store.set_password(conn, "nobody", "a new long password")


@pytest.mark.parametrize(
    ("name", "role", "kw", "message"),
    [
        ("bob", "owner", {}, "unknown role"),
        ("bob", "agent", {"password": "short"}, "at least 12"),
        ("bob", "viewer", {"brands": []}, "--brands"),
        ("bob", "agent", {"brands": [" ", ""]}, "--brands"),
        ("  ", "agent", {}, "needs a name"),
    ],
)
async def test_bad_users_are_refused(
    engine: AsyncEngine, name: str, role: str, kw: dict[str, object], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        await add(engine, name, role, **kw)


async def test_a_duplicate_name_is_refused(engine: AsyncEngine) -> None:
    await add(engine)
    with pytest.raises(UserError, match="already exists"):
        await add(engine, "alice", "viewer")
    async with engine.connect() as conn:
        assert [u.name for u in await store.list_users(conn)] == ["alice"]


async def test_admin_implies_all_brands_and_agents_are_scoped(engine: AsyncEngine) -> None:
    admin = await add(engine, "root", "admin", brands=[])
    agent = await add(engine, "alice", "agent", brands=["acme"])
    viewer = await add(engine, "vic", "viewer", brands=[], all_brands=True)
    assert admin.all_brands and admin.is_admin and admin.can_change
    assert admin.scope == Scope.everything()
    assert agent.scope == Scope.of(["acme"])
    assert agent.scope.allows("acme") and not agent.scope.allows("globex")
    assert agent.can_change and not agent.is_admin
    assert viewer.scope.allows("globex") and not viewer.can_change
    async with engine.connect() as conn:
        listed = {u.name: u for u in await store.list_users(conn)}
        assert listed["root"].all_brands
        assert listed == {"alice": agent, "root": admin, "vic": viewer}
        assert await store.user_names(conn, [agent.id, admin.id, 999]) == {
            agent.id: "alice",
            admin.id: "root",
        }
        assert await store.user_names(conn, []) == {}
        assert await store.get_user(conn, "alice") == agent
        assert await store.get_user_by_id(conn, admin.id) == admin


async def test_tokens_are_stored_as_sha256_only(engine: AsyncEngine) -> None:
    alice = await add(engine)
    async with engine.begin() as conn:
        token_id, token = await store.create_token(conn, "alice", "ci")
    assert token.startswith("bzw_") and len(token) > 40
    async with engine.connect() as conn:
        row = (await conn.execute(select(api_tokens))).one()
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(v) for v in row]
    assert row.last_used_at is None

    async with engine.begin() as conn:
        assert await store.user_for_token(conn, token) == alice
        assert await store.user_for_token(conn, token + "x") is None
        assert await store.user_for_token(conn, row.token_sha256) is None
    async with engine.connect() as conn:
        used = (await conn.execute(select(api_tokens.c.last_used_at))).scalar_one()
        [info] = await store.list_tokens(conn)
    assert used is not None
    assert (info.id, info.name, info.user_name, info.revoked) == (token_id, "ci", "alice", False)

    async with engine.begin() as conn:
        assert await store.revoke_token(conn, token_id)
        assert not await store.revoke_token(conn, token_id + 100)
        assert await store.user_for_token(conn, token) is None


async def test_tokens_of_disabled_or_missing_users(engine: AsyncEngine) -> None:
    await add(engine)
    async with engine.begin() as conn:
        _, token = await store.create_token(conn, "alice", "ci")
        with pytest.raises(UserError, match="no user"):
            await store.create_token(conn, "nobody", "ci")
        await store.disable_user(conn, "alice")
        assert await store.user_for_token(conn, token) is None
        with pytest.raises(UserError, match="disabled"):
            await store.create_token(conn, "alice", "ci2")


async def test_sessions(engine: AsyncEngine) -> None:
    alice = await add(engine)
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    async with engine.begin() as conn:
        session_id, csrf = await store.create_session(conn, alice.id, 3600, now=now)
        other_id, other_csrf = await store.create_session(conn, alice.id, 60, now=now)
    assert session_id != other_id and csrf != other_csrf and len(csrf) >= 32
    async with engine.connect() as conn:
        stored = set((await conn.execute(select(web_sessions.c.id_sha256))).scalars())
    assert stored == {hashlib.sha256(s.encode()).hexdigest() for s in (session_id, other_id)}

    async with engine.begin() as conn:
        assert await store.session_user(conn, session_id, now) == (alice, csrf)
        assert await store.session_user(conn, other_id, now + timedelta(seconds=59)) == (
            alice,
            other_csrf,
        )
        assert await store.session_user(conn, other_id, now + timedelta(seconds=60)) is None
        assert await store.session_user(conn, "made-up", now) is None
        assert await store.purge_expired_sessions(conn, now + timedelta(seconds=61)) == 1
        await store.delete_session(conn, session_id)
        assert await store.session_user(conn, session_id, now) is None


async def test_a_disabled_users_session_is_refused(engine: AsyncEngine) -> None:
    alice = await add(engine)
    async with engine.begin() as conn:
        session_id, _ = await store.create_session(conn, alice.id, 3600)
        assert await store.session_user(conn, session_id, datetime.now(UTC)) is not None
        await conn.execute(update(users).values(disabled=True))
        assert await store.session_user(conn, session_id, datetime.now(UTC)) is None


async def test_teams(engine: AsyncEngine) -> None:
    alice = await add(engine)
    async with engine.begin() as conn:
        await store.add_team(conn, "support", ["acme"])
        await store.add_team(conn, "emea", ["acme", "globex"])
        with pytest.raises(UserError, match="already exists"):
            await store.add_team(conn, "support", [])
        await store.add_team_member(conn, "support", "alice")
        await store.add_team_member(conn, "support", "alice")
        await store.add_team_member(conn, "emea", "alice")
        with pytest.raises(UserError, match="no team"):
            await store.add_team_member(conn, "nope", "alice")
        with pytest.raises(UserError, match="no user"):
            await store.add_team_member(conn, "support", "nobody")
        assert await store.teams_of(conn, alice.id) == ["emea", "support"]


def test_the_rate_limiter_allows_n_failures_in_a_sliding_window() -> None:
    limiter = LoginRateLimiter(max_failures=3, window_seconds=60)
    for t in (0, 10, 20):
        assert limiter.allow("name:alice", t)
        limiter.failed("name:alice", t)
    assert not limiter.allow("name:alice", 30)
    assert limiter.retry_after("name:alice", 30) == pytest.approx(30)
    assert limiter.allow("ip:10.0.0.7", 30)  # keys are independent
    assert limiter.allow("name:alice", 60.5)  # the first failure left the window
    limiter.failed("name:alice", 61)
    assert not limiter.allow("name:alice", 62)
    limiter.succeeded("name:alice")
    assert limiter.allow("name:alice", 62)


def test_the_rate_limiter_keeps_a_bounded_number_of_keys() -> None:
    limiter = LoginRateLimiter(max_failures=1, window_seconds=60, max_keys=10)
    for n in range(100):
        limiter.failed(f"name:{n}", 0)
    assert len(limiter._failures) == 10
    assert not limiter.allow("name:99", 1)
    assert limiter.allow("name:0", 1)
