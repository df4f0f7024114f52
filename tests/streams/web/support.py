"""Test data for the web app: users of each role, a multilingual set of mentions written
through the store's writer, alert threads; and helpers to sign in."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.devstack.workerproc import WorkerProcess
from streams.store.database import async_engine
from streams.store.rows import alert_rows, duplicate_row, mention_rows
from streams.store.users import add_team, add_user, create_token
from streams.store.writer import Item, PartitionCache, write_batch
from tests.streams.store.factories import alert, duplicate, enriched

PASSWORD = "correct horse battery staple"

#: name -> (role, brands); the admin sees every brand
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "root": ("admin", ()),
    "ana": ("agent", ("acme",)),
    "ben": ("agent", ("acme",)),
    "gus": ("agent", ("globex",)),
    "vera": ("viewer", ("acme",)),
}


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Post:
    id: str
    brand: str
    text: str
    lang: str
    sentiment: str = "neutral"
    followers: int = 100
    minutes_ago: float = 30.0
    tagged: bool = False
    platform: str = "twitter"
    handle: str = "@someone"


#: A realistic multilingual set: acme and globex, untagged and tagged, complaints,
#: questions, praise; Arabic, Croatian, German, Spanish, Latvian, Japanese and English.
POSTS: tuple[Post, ...] = (
    Post(
        "acme-1",
        "acme",
        "Acme support has ignored my ticket for a week, the app is broken again, I want a refund",
        "en",
        "negative",
        48_000,
        20,
        handle="@angry_anna",
    ),
    Post(
        "acme-2",
        "acme",
        "Does anyone know if acme ships to Canada? Can't find it on their site",
        "en",
        "neutral",
        300,
        45,
        handle="@curious_carl",
    ),
    Post(
        "acme-3",
        "acme",
        "La app de acme es increíble, gracias al equipo por la ayuda tan rápida",
        "es",
        "positive",
        2_500,
        90,
        handle="@feliz_fer",
    ),
    Post(
        "acme-4",
        "acme",
        "Warum funktioniert die Acme App seit dem Update nicht mehr? Ständig Fehler beim Login",
        "de",
        "negative",
        900,
        60,
        handle="@dieter",
    ),
    Post(
        "acme-5",
        "acme",
        "تطبيق acme لا يعمل منذ الصباح، هل هناك مشكلة؟",
        "ar",
        "negative",
        12_000,
        35,
        handle="@layla",
    ),
    Post(
        "acme-6",
        "acme",
        "Acme aplikacija opet ne radi, užasno iskustvo",
        "hr",
        "negative",
        150,
        240,
        handle="@ivan_zg",
    ),
    Post(
        "acme-7",
        "acme",
        "Nopirku acme austiņas, skaņa ir lieliska",
        "lv",
        "positive",
        80,
        600,
        handle="@janis",
    ),
    Post(
        "acme-8",
        "acme",
        "acme の新しいアプリはとても使いやすいです",
        "ja",
        "positive",
        40,
        1200,
        handle="@yuki",
    ),
    Post(
        "acme-9",
        "acme",
        "Shout out to @acme for the quick fix, great service",
        "en",
        "positive",
        5_000,
        25,
        tagged=True,
        handle="@happy_hal",
    ),
    Post(
        "acme-10",
        "acme",
        "just saw an acme ad on the bus",
        "en",
        "neutral",
        10,
        2000,
        handle="@bystander",
    ),
    Post(
        "globex-1",
        "globex",
        "Globex lost my parcel and nobody answers the phone, terrible",
        "en",
        "negative",
        30_000,
        15,
        handle="@globex_victim",
    ),
    Post(
        "globex-2",
        "globex",
        "Globex secret roadmap leaked? asks a question",
        "en",
        "neutral",
        700,
        50,
        handle="@leaky",
    ),
)


def post_record(post: Post, now: datetime) -> dict[str, Any]:
    record = enriched(
        post.id,
        post.text,
        created_at=iso(now - timedelta(minutes=post.minutes_ago)),
        brands=[(post.brand, post.tagged)],
        sentiment=post.sentiment,
        lang=post.lang,
        followers=post.followers,
    )
    record["platform"] = post.platform
    record["author"] = {
        "id": post.handle,
        "handle": post.handle,
        "name": post.handle.lstrip("@").replace("_", " ").title(),
        "followers": post.followers,
    }
    return record


async def _write(url: SecretStr, records: Iterable[Item]) -> None:
    engine = async_engine(url, pool_size=1)
    try:
        written = await write_batch(engine, list(records), PartitionCache())
        assert not getattr(written, "rejected", []), written
    finally:
        await engine.dispose()


def write_posts(url: SecretStr, posts: Iterable[Post], now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    asyncio.run(_write(url, [Item("mention", mention_rows(post_record(p, now))) for p in posts]))


#: A copy-paste complaint: acme's first post of it and two copies by other accounts, and a
#: copy of globex's parcel complaint (cluster ids are per brand: globex's 5 is another cluster).
COPIED_POSTS: tuple[Post, ...] = (
    Post(
        "acme-11",
        "acme",
        "Acme charged my card twice for the same order and nobody at support answers",
        "en",
        "negative",
        700,
        40,
        handle="@first_poster",
    ),
    Post(
        "acme-12",
        "acme",
        "Acme charged my card twice for the same order and nobody at support answers!!",
        "en",
        "negative",
        20,
        38,
        handle="@copy_one",
    ),
    Post(
        "acme-13",
        "acme",
        "acme charged my card twice for the same order, nobody at support answers #acmefail",
        "en",
        "negative",
        15,
        36,
        handle="@copy_two",
    ),
    Post(
        "globex-3",
        "globex",
        "Globex lost my parcel and nobody answers the phone, terrible!",
        "en",
        "negative",
        10,
        12,
        handle="@globex_copy",
    ),
)

#: What the brands' insight states made of them: (mention id, cluster, size, copy).
CLUSTERS: tuple[tuple[str, int, int, bool], ...] = (
    ("acme-11", 5, 1, False),
    ("acme-12", 5, 2, True),
    ("acme-13", 5, 3, True),
    ("globex-1", 5, 1, False),
    ("globex-3", 5, 2, True),
)


def write_clusters(url: SecretStr, now: datetime, brand: str | None = None) -> None:
    """:data:`COPIED_POSTS` and the ``mentions.duplicates`` records of :data:`CLUSTERS` (of
    ``brand`` only, when given), as the sink stores them (the records first: they may come
    before their mentions). ``now``: the time :data:`POSTS` were written at."""
    posts = {p.id: p for p in (*POSTS, *COPIED_POSTS) if brand is None or p.brand == brand}
    records = [
        Item(
            "duplicate",
            duplicate_row(
                duplicate(
                    mid,
                    cluster,
                    size,
                    copy=copy,
                    brand=posts[mid].brand,
                    created_at=iso(now - timedelta(minutes=posts[mid].minutes_ago)),
                )
            ),
        )
        for mid, cluster, size, copy in CLUSTERS
        if mid in posts
    ]
    asyncio.run(_write(url, records))
    write_posts(url, [p for p in COPIED_POSTS if p.id in posts], now)


def write_alerts(url: SecretStr, records: Iterable[dict[str, Any]]) -> None:
    asyncio.run(_write(url, [Item("alert", alert_rows(r)) for r in records]))


#: why acme's surge is one (``EpisodeTracker`` with the brand's insight state)
EXPLANATION = {
    "coordinated": False,
    "terms": [
        {
            "term": "outage",
            "kind": "term",
            "lang": "en",
            "count": 31.0,
            "share": 0.06,
            "baseline_share": 0.0004,
            "z": 9.1,
        },
    ],
    "first_post": {
        "id": "acme-1",
        "url": "https://example.social/acme-1",
        "text": "Acme outage again, nothing loads",
        "author": "@angry_anna",
        "created_at": "2026-11-01T14:00:07.000Z",
    },
    "sentiment": {"negative_share": {"before": 0.21, "now": 0.72}},
    "languages": {"en": 30, "es": 12},
    "platforms": {"x": 30, "reddit": 4},
    "duplicates": {"share": 0.02, "copies": 1, "clusters": []},
}


def crisis_alerts(now: datetime) -> list[dict[str, Any]]:
    """An open negative surge of acme (opened 40 min ago, updated twice) and a resolved
    volume spike of globex."""
    opened = now - timedelta(minutes=40)
    sample = {
        "id": "acme-1",
        "url": "https://example.social/acme-1",
        "text": POSTS[0].text,
        "author": "@angry_anna",
        "followers": 48_000,
        "reach": 48_006,
        "sentiment": "negative",
        "lang": "en",
        "created_at": iso(now - timedelta(minutes=20)),
    }
    acme = [
        alert(
            "acme:negative_surge:1",
            seq,
            event,
            brand="acme",
            kind="negative_surge",
            severity="major",
            opened_at=iso(opened),
            updated_at=iso(opened + timedelta(minutes=5 * seq)),
            sent_at=iso(opened + timedelta(minutes=5 * seq, seconds=5)),
            resolved_at=None,
            status="open",
            observed=34.0 + seq,
            expected=2.2,
            samples=[sample],
            explanation=EXPLANATION,
        )
        for seq, event in ((1, "opened"), (2, "updated"))
    ]
    gone = now - timedelta(hours=5)
    globex = [
        alert(
            "globex:volume_spike:1",
            1,
            "resolved",
            brand="globex",
            kind="volume_spike",
            severity="warning",
            opened_at=iso(gone),
            updated_at=iso(gone + timedelta(minutes=30)),
            sent_at=iso(gone + timedelta(minutes=30, seconds=5)),
            resolved_at=iso(gone + timedelta(minutes=30)),
            observed=120.0,
            expected=20.0,
            samples=[],
        )
    ]
    return acme + globex


async def _users(url: SecretStr, tokens: bool) -> dict[str, str]:
    engine = async_engine(url, pool_size=1)
    out: dict[str, str] = {}
    try:
        async with engine.begin() as conn:
            await _add_users(conn)
            if tokens:
                for name in USERS:
                    out[name] = (await create_token(conn, name, f"{name}-token"))[1]
    finally:
        await engine.dispose()
    return out


async def _add_users(conn: AsyncConnection) -> None:
    for name, (role, brands) in USERS.items():
        await add_user(
            conn, name, role, brands=brands, all_brands=role == "admin", password=PASSWORD
        )
    await add_team(conn, "acme-care", ["acme"])


def add_users(url: SecretStr) -> dict[str, str]:
    """The users of :data:`USERS` (password :data:`PASSWORD`) and a team; their API tokens."""
    return asyncio.run(_users(url, tokens=True))


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def sign_in(client: Any, name: str, password: str = PASSWORD) -> str:
    """Sign ``client`` (a TestClient) in as ``name``; returns the session's CSRF token."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    done = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get("/inbox")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def web_process(url: SecretStr, log_path: Path, port: int, **env: str) -> WorkerProcess:
    """A ``buzzwire web`` child on ``port`` against the store at ``url`` (the URL goes to the
    child's environment only)."""
    return WorkerProcess(
        env={
            "BUZZWIRE_DATABASE_URL": url.get_secret_value(),
            "BUZZWIRE_UI_BIND": "127.0.0.1",
            "BUZZWIRE_LOG_LEVEL": "info",
            **env,
        },
        log_path=log_path,
        web_port=port,
        command="web",
        port_env="BUZZWIRE_UI_PORT",
    )


def write_history(url: SecretStr, mentions: Iterable[Any], batch: int = 2000) -> int:
    """Write a synthetic history (``streams.devstack.trends_history``: ``HistoryMention``s) as
    the pipeline would have enriched it, through the store's writer (which keeps the trend
    rollups); returns how many mentions were written."""
    from streams.devstack.trends_history import enriched_record

    items = [Item("mention", mention_rows(enriched_record(m))) for m in mentions]

    async def run() -> None:
        engine = async_engine(url, pool_size=1)
        cache = PartitionCache()
        try:
            for i in range(0, len(items), batch):
                written = await write_batch(engine, items[i : i + batch], cache)
                assert not written.rejected, written.rejected[:3]
        finally:
            await engine.dispose()

    asyncio.run(run())
    return len(items)
