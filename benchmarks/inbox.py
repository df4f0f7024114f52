"""The response inbox under load: a first page, a status change, and many users at once, on a
store of a million mentions.

    python benchmarks/inbox.py [--mentions 1000000] [--users 50] [--seconds 60]
                               [--database-url URL | --state-dir DIR] [--skip-fill]

1. the store: a throw-away LocalPostgres on a free port (as root it runs as the OS user
   postgres, its data under /var/tmp), or ``--database-url`` (a database of its own: the run
   adds mentions and users to it), or a local cluster kept in ``--state-dir`` between runs.
   ``streams.store.database.upgrade`` migrates it; ``--mentions`` enriched mentions are
   stored through ``write_batch`` (the sink's COPY) over the last ``--days`` (60), naming
   ``--brands`` (20) brands, from big to small (Zipf), one in seven naming two, half the brand
   rows untagged. Texts are the multilingual posts of streams/data/sample_mentions.jsonl;
   followers, engagement and sentiment scores vary (so do the static priorities); inbox
   statuses follow age (recent ones mostly open, older ones mostly done, a few snoozed, some
   of those snoozes run out), and the biggest brand has an open crisis thread. Then VACUUM
   ANALYZE. ``--skip-fill`` reuses what a database already holds.
2. users: an admin, an agent of each brand, and the ``--users`` concurrent users (one in ten
   an admin, the others agents of one brand each, round the brands), each with an API token.
3. sequential, ``--runs`` times each after a warm-up: the first page (50 items, the default
   inbox: open, untagged, last 30 days) of an agent of the biggest brand, of a middle brand,
   and of the admin (every brand), both by calling ``streams.store.inbox.inbox_page`` and by
   ``GET /api/inbox`` of a real ``buzzwire web`` (its own process: uvicorn); a status change,
   by ``PATCH /api/mentions/BRAND/ID`` and by ``change_item`` in its own transaction.
4. ``--users`` users at once for ``--seconds`` (one httpx.AsyncClient each, bearer tokens, no
   pause unless ``--think``): first page, next page, open one of the first page's items,
   change its status; again. Requests/s, errors (anything but 2xx, and failed requests),
   p50/p95/p99.

Targets: a first page p95 < 150 ms, a status change p95 < 50 ms, no error under load. A
first page that misses its target gets EXPLAIN (ANALYZE, BUFFERS) of its SQL printed
(``--explain``: always). The web process's resident memory (idle, peak) and CPU are printed
too: they size deploy/k8s/web.yaml. Client, server and database share this machine's CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import psycopg
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streams.config import Settings  # noqa: E402
from streams.devstack.localpostgres import LocalPostgres, libpq_url  # noqa: E402
from streams.devstack.ports import free_port  # noqa: E402
from streams.devstack.processes import stop_group  # noqa: E402
from streams.kernel.timestamps import iso_utc  # noqa: E402
from streams.store import inbox  # noqa: E402
from streams.store.database import async_engine, upgrade  # noqa: E402
from streams.store.inbox import InboxFilters  # noqa: E402
from streams.store.rows import alert_rows, mention_rows  # noqa: E402
from streams.store.scope import Scope  # noqa: E402
from streams.store.users import add_user, create_token  # noqa: E402
from streams.store.writer import Item, PartitionCache, write_batch  # noqa: E402

SAMPLE = ROOT / "streams" / "data" / "sample_mentions.jsonl"
PAGE_TARGET_MS = 150.0
CHANGE_TARGET_MS = 50.0
PAGE = 50
BATCH = 5000
BRAND_NAMES = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "cyberdyne",
    "soylent",
    "tyrell",
    "wonka",
    "oscorp",
    "aperture",
    "vandelay",
    "piedpiper",
    "dunder",
    "gringotts",
    "monarch",
    "nakatomi",
    "massive",
]
PLATFORMS = ["x", "reddit", "facebook", "instagram", "tiktok", "youtube", "news"]
PLATFORM_WEIGHTS = list(accumulate([40, 15, 15, 12, 8, 5, 5]))
LABELS = ("negative", "neutral", "positive")
#: Inbox statuses by age (under 7 days, 7 to 30, older): the team keeps up, so most of what is
#: older than a week has been answered.
STATUS_WEIGHTS = {
    "open": (60, 25, 8),
    "in_progress": (10, 5, 2),
    "snoozed": (5, 3, 1),
    "done": (20, 55, 75),
    "dismissed": (5, 12, 14),
}


# ---------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Brand:
    id: str
    weight: float

    @property
    def name(self) -> str:
        return self.id.capitalize()


def make_brands(count: int, skew: float = 0.8) -> list[Brand]:
    """``count`` brands whose shares fall off as rank**-skew: with 20, the biggest names ~20%
    of the mentions and the smallest ~2%."""
    names = [*BRAND_NAMES, *(f"brand{i}" for i in range(len(BRAND_NAMES), count))][:count]
    raw = [(rank + 1) ** -skew for rank in range(count)]
    total = sum(raw)
    return [Brand(n, w / total) for n, w in zip(names, raw, strict=True)]


def load_texts() -> list[tuple[str, str]]:
    """(text, language) of the valid lines of the bundled sample stream, the language detected
    as the worker does ("und" without the fastText model)."""
    texts: list[str] = []
    with SAMPLE.open("rb") as fh:
        for line in fh:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # the sample holds broken lines on purpose
            text = obj.get("text") if isinstance(obj, dict) else None
            if isinstance(text, str) and text.strip() and "\x00" not in text:
                texts.append(text)
    langs = ["und"] * len(texts)
    with contextlib.suppress(Exception):
        from models.langid import LanguageDetector

        langs = [r.lang for r in LanguageDetector(second_stage="none").predict(texts)]
    return list(zip(texts, langs, strict=True))


def _status(rng: random.Random, age_days: float) -> str:
    column = 0 if age_days < 7 else 1 if age_days < 30 else 2
    names = list(STATUS_WEIGHTS)
    return rng.choices(names, weights=[STATUS_WEIGHTS[s][column] for s in names])[0]


class Generator:
    """Enriched mentions (the records the worker writes), as the sink's rows with an inbox
    status; deterministic for a seed."""

    def __init__(self, texts: list[tuple[str, str]], brands: list[Brand], seed: int) -> None:
        self.texts = texts
        self.brands = brands
        self.cum = list(accumulate(b.weight for b in brands))
        self.rng = random.Random(seed)

    def _brand(self) -> Brand:
        return self.rng.choices(self.brands, cum_weights=self.cum)[0]

    def record(self, mention_id: str, created: datetime) -> dict[str, Any]:
        rng = self.rng
        text, lang = rng.choice(self.texts)
        hits = [self._brand()]
        if rng.random() < 1 / 7:
            other = self._brand()
            if other.id != hits[0].id:
                hits.append(other)
        parts = [text]
        brands = []
        for brand in hits:
            tagged = rng.random() < 0.5
            ref = f"@{brand.id}" if tagged else rng.choice((brand.name, f"#{brand.id}"))
            if rng.random() < 0.5:
                parts.insert(0, ref)
            else:
                parts.append(ref)
            brands.append({"id": brand.id, "tagged": tagged})
        label = rng.choices(LABELS, weights=(25, 50, 25))[0]
        top = rng.uniform(0.45, 0.99)
        split = rng.random() * (1.0 - top)
        others = [x for x in LABELS if x != label]
        scores = {label: round(top, 4), others[0]: round(split, 4)}
        scores[others[1]] = round(max(0.0, 1.0 - top - split), 4)
        platform = rng.choices(PLATFORMS, cum_weights=PLATFORM_WEIGHTS)[0]
        user = rng.randrange(300_000)
        return {
            "id": mention_id,
            "platform": platform,
            "author": {
                "id": f"u-{user}",
                "handle": f"@user{user}",
                "name": f"User {user}",
                "followers": min(int(rng.lognormvariate(5, 2)), 50_000_000),
            },
            "text": " ".join(parts),
            "created_at": iso_utc(created.timestamp()),
            "url": f"https://example.social/{platform}/{mention_id}",
            "reply_to_handle": None,
            "reshare_of": None,
            "engagement": {
                "likes": int(rng.expovariate(0.2)),
                "shares": int(rng.expovariate(1.0)),
                "replies": int(rng.expovariate(0.7)),
            },
            "lang": lang,
            "lang_confidence": round(rng.uniform(0.6, 1.0), 4),
            "brands": brands,
            "sentiment": label,
            "sentiment_scores": scores,
            "sentiment_model": "e5-small-sentiment",
        }

    def items(self, count: int, start: datetime, end: datetime, prefix: str) -> Iterator[Item]:
        """``count`` mentions, in time order from ``start`` to ``end``, as write_batch items."""
        step = (end - start).total_seconds() / max(count, 1)
        for i in range(count):
            created = start + timedelta(seconds=(i + self.rng.random()) * step)
            rows = mention_rows(self.record(f"{prefix}{i:08d}", created))
            status = _status(self.rng, (end - created).total_seconds() / 86400)
            until = (
                created + timedelta(days=self.rng.uniform(1, 14)) if status == "snoozed" else None
            )
            for row in rows.brands:
                row["status"] = status
                row["snoozed_until"] = until
            yield Item("mention", rows)


def crisis_item(brand: str, now: datetime) -> Item:
    """An open crisis thread of ``brand``, opened three hours before ``now``."""
    opened = iso_utc((now - timedelta(hours=3)).timestamp())
    record = {
        "id": f"bench-crisis-{brand}-{uuid.uuid4().hex[:6]}",
        "event": "opened",
        "status": "open",
        "sequence": 1,
        "brand": brand,
        "kind": "negative_surge",
        "severity": "major",
        "opened_at": opened,
        "updated_at": opened,
        "resolved_at": None,
        "sent_at": opened,
        "observed": 34.0,
        "expected": 2.2,
    }
    return Item("alert", alert_rows(record))


async def fill(url: SecretStr, gen: Generator, count: int, days: float, prefix: str) -> float:
    """Store ``count`` mentions through write_batch, BATCH at a time; a thread makes the next
    batch while the server stores this one. Returns mentions/s."""
    engine = async_engine(url, pool_size=1)
    cache = PartitionCache()
    end = datetime.now(UTC)
    source = gen.items(count, end - timedelta(days=days), end, prefix)
    loop = asyncio.get_running_loop()

    def next_batch() -> list[Item]:
        return [item for _, item in zip(range(BATCH), source, strict=False)]

    started = time.monotonic()
    done = reported = 0
    try:
        batch = await loop.run_in_executor(None, next_batch)
        while batch:
            making = loop.run_in_executor(None, next_batch)
            await write_batch(engine, batch, cache)
            done += len(batch)
            if done - reported >= 100_000 or done == count:
                reported = done
                rate = done / (time.monotonic() - started)
                print(f"  ... {done:,} of {count:,} stored ({rate:,.0f}/s)", flush=True)
            batch = await making
        await write_batch(engine, [crisis_item(gen.brands[0].id, end)], cache)
    finally:
        await engine.dispose()
    return count / (time.monotonic() - started)


def admin_connection(url: SecretStr) -> psycopg.Connection[Any]:
    base = make_url(url.get_secret_value()).render_as_string(hide_password=False)
    return psycopg.connect(libpq_url(base), autocommit=True)


def vacuum_analyze(url: SecretStr) -> float:
    started = time.monotonic()
    with admin_connection(url) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("VACUUM (ANALYZE) mentions, mention_brands, alert_threads")
    return time.monotonic() - started


@dataclass
class Store:
    mentions: int
    items: int
    oldest: datetime | None
    brands: list[tuple[str, int]]  #: brand, items; biggest first
    server: str


def describe_store(url: SecretStr) -> Store:
    with admin_connection(url) as conn:
        mentions, oldest = conn.execute("SELECT count(*), min(created_at) FROM mentions").fetchone()
        rows = conn.execute(
            "SELECT brand, count(*) FROM mention_brands GROUP BY brand ORDER BY 2 DESC, 1"
        ).fetchall()
        settings = conn.execute(
            "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)"
            " FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'work_mem',"
            " 'synchronous_commit', 'max_connections')"
        ).fetchone()[0]
    return Store(
        int(mentions),
        sum(int(n) for _, n in rows),
        oldest,
        [(b, int(n)) for b, n in rows],
        settings,
    )


def open_candidates(url: SecretStr, brands: list[str] | None) -> int:
    """Items the default inbox of ``brands`` (None: all) ranks: open (or a snooze run out),
    untagged, of the last 30 days."""
    query = (
        "SELECT count(*) FROM mention_brands WHERE created_at >= now() - interval '30 days'"
        " AND NOT tagged AND (status = 'open' OR (status = 'snoozed' AND snoozed_until <= now()))"
    )
    params: tuple[Any, ...] = ()
    if brands is not None:
        query += " AND brand = ANY(%s)"
        params = (brands,)
    with admin_connection(url) as conn:
        return int(conn.execute(query, params).fetchone()[0])


# ---------------------------------------------------------------------------- users


@dataclass(frozen=True)
class Person:
    name: str
    id: int
    brands: tuple[str, ...] | None  #: None: every brand (an admin)
    token: str

    @property
    def scope(self) -> Scope:
        return Scope.everything() if self.brands is None else Scope.of(self.brands)


async def make_people(
    url: SecretStr, brands: list[str], users: int, run: str
) -> tuple[Person, dict[str, Person], list[Person]]:
    """The admin, an agent per brand, and ``users`` people for the load (one in ten an admin),
    each with an API token. Names carry ``run``, so a reused database takes them again."""
    engine = async_engine(url, pool_size=1)

    async def one(name: str, brand: str | None) -> Person:
        async with engine.begin() as conn:
            user = await add_user(
                conn,
                name,
                "agent" if brand else "admin",
                brands=[brand] if brand else (),
                password=secrets.token_urlsafe(18),
            )
            _, token = await create_token(conn, name, "benchmark")
        return Person(name, user.id, (brand,) if brand else None, token)

    try:
        admin = await one(f"bench-{run}-admin", None)
        agents = {b: await one(f"bench-{run}-agent-{b}", b) for b in brands}
        crowd = [
            await one(
                f"bench-{run}-user{i}", None if i % 10 == 9 else brands[(i - i // 10) % len(brands)]
            )
            for i in range(users)
        ]
    finally:
        await engine.dispose()
    return admin, agents, crowd


# ---------------------------------------------------------------------------- timings


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Series:
    name: str
    how: str
    ms: list[float] = field(default_factory=list)
    target: float | None = None
    #: the 1-minute load average when the runs ended (the machine may be shared)
    load: float = field(default_factory=lambda: os.getloadavg()[0])

    @property
    def p50(self) -> float:
        return pct(self.ms, 0.5)

    @property
    def p95(self) -> float:
        return pct(self.ms, 0.95)

    @property
    def met(self) -> str:
        if self.target is None:
            return ""
        return "met" if self.p95 < self.target else "MISSED"

    def line(self) -> str:
        target = f"< {self.target:.0f}" if self.target is not None else ""
        return (
            f"  {self.name:<44} {self.how:<24} {len(self.ms):>5} {self.p50:>8.1f} "
            f"{self.p95:>8.1f} {target:>7} {self.met:<6} {self.load:>5.1f}"
        )


async def timed(call: Callable[[], Awaitable[Any]], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await call()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def direct_pages(
    url: SecretStr, cases: list[tuple[str, Person]], runs: int, explain: bool
) -> tuple[list[Series], list[str]]:
    """``inbox_page`` called on one pooled connection, as the API does; the SQL of each case
    kept for EXPLAIN."""
    engine = async_engine(url, pool_size=1)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    out: list[Series] = []
    plans: list[str] = []
    try:
        for name, person in cases:

            async def page(person: Person = person) -> None:
                async with engine.connect() as conn:
                    await inbox.inbox_page(
                        conn, person.scope, InboxFilters(), now=datetime.now(UTC), limit=PAGE + 1
                    )

            series = Series(name, "inbox_page()", await timed(page, runs, 3), PAGE_TARGET_MS)
            out.append(series)
            print(series.line(), flush=True)
            if explain or series.p95 >= PAGE_TARGET_MS:
                seen.clear()
                await page()
                statement, params = seen[-1]
                async with engine.connect() as conn:
                    result = await conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
                    )
                    plan = "\n".join(str(r[0]) for r in result)
                plans.append(f"--- {name}: EXPLAIN (ANALYZE, BUFFERS)\n{statement}\n{plan}")
    finally:
        await engine.dispose()
    return out, plans


async def direct_changes(url: SecretStr, agent: Person, ids: list[str]) -> Series:
    """``change_item`` (to in_progress) on items of the agent's inbox, each in its own
    transaction."""
    engine = async_engine(url, pool_size=1)
    (brand,) = agent.brands or ("",)
    ms = []
    try:
        for mention_id in ids:
            started = time.perf_counter()
            async with engine.begin() as conn:
                await inbox.change_item(
                    conn,
                    agent.scope,
                    agent.id,
                    brand,
                    mention_id,
                    status="in_progress",
                    now=datetime.now(UTC),
                )
            ms.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return Series(f"status change, agent of {brand}", "change_item()", ms[3:], CHANGE_TARGET_MS)


# ---------------------------------------------------------------------------- the web process


@dataclass
class Web:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def memory_mib(self, field_name: str = "VmRSS") -> float:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024
        return math.nan

    def cpu_seconds(self) -> float:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return math.nan


def start_web(url: SecretStr, tmp: Path, pool_size: int) -> Web:
    """``buzzwire web`` in its own process group, on a free port; returns once /ready is 200."""
    port = free_port()
    env = {
        **os.environ,
        "BUZZWIRE_DATABASE_URL": url.get_secret_value(),
        "BUZZWIRE_DATABASE_POOL_SIZE": str(pool_size),
        "BUZZWIRE_UI_BIND": "127.0.0.1",
        "BUZZWIRE_UI_PORT": str(port),
        "BUZZWIRE_LOG_LEVEL": "warning",
    }
    env.pop("BUZZWIRE_INBOX_WEBHOOK_URL", None)
    log = tmp / "web.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "web"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    web = Web(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"buzzwire web exited ({proc.returncode}):\n{log.read_text()[-3000:]}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(web.base + "/ready", timeout=2).status_code == 200:
                return web
        time.sleep(0.2)
    stop_group(proc, 10)
    raise RuntimeError(f"buzzwire web not ready in 60 s:\n{log.read_text()[-3000:]}")


def _client(web: Web, person: Person) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=web.base,
        headers={"Authorization": f"Bearer {person.token}"},
        timeout=httpx.Timeout(60.0),
    )


def item_path(brand: str, mention_id: str) -> str:
    return f"/api/mentions/{quote(brand, safe='')}/{quote(mention_id, safe='')}"


async def http_pages(web: Web, cases: list[tuple[str, Person]], runs: int) -> list[Series]:
    out = []
    for name, person in cases:
        async with _client(web, person) as client:

            async def page(client: httpx.AsyncClient = client) -> None:
                response = await client.get("/api/inbox", params={"limit": PAGE})
                response.raise_for_status()

            series = Series(name, "GET /api/inbox", await timed(page, runs, 3), PAGE_TARGET_MS)
        out.append(series)
        print(series.line(), flush=True)
    return out


async def page_ids(web: Web, person: Person, count: int) -> list[str]:
    async with _client(web, person) as client:
        response = await client.get("/api/inbox", params={"limit": count})
        response.raise_for_status()
        return [item["id"] for item in response.json()["items"]]


async def http_changes(web: Web, agent: Person, ids: list[str]) -> Series:
    (brand,) = agent.brands or ("",)
    ms = []
    async with _client(web, agent) as client:
        for mention_id in ids:
            started = time.perf_counter()
            response = await client.patch(item_path(brand, mention_id), json={"status": "done"})
            response.raise_for_status()
            ms.append((time.perf_counter() - started) * 1000)
    return Series(
        f"status change, agent of {brand}", "PATCH /api/mentions", ms[3:], CHANGE_TARGET_MS
    )


@dataclass
class Load:
    users: int
    seconds: float
    ms: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    cpu_seconds: float = math.nan
    load_before: float = math.nan
    think: float = 0.0
    pool_size: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.ms.values()) + sum(self.errors.values())

    @property
    def every(self) -> list[float]:
        return [ms for values in self.ms.values() for ms in values]


async def crowd_load(
    web: Web, crowd: list[Person], seconds: float, seed: int, think: float
) -> Load:
    """Every person, at once, for ``seconds``: first page, next page, open an item of the first
    page, change its status; again. With ``think``, each person starts after a random 0 to 2 *
    ``think`` seconds and pauses as long after each request (0: all start at once, no pause)."""
    load = Load(len(crowd), seconds, think=think)
    for kind in ("first page", "next page", "open item", "change status"):
        load.ms[kind] = []
    deadline = time.monotonic() + seconds

    async def request(client: httpx.AsyncClient, kind: str, method: str, path: str, **kw: Any):
        if time.monotonic() >= deadline:
            return None
        started = time.perf_counter()
        try:
            response = await client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            load.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
        ms = (time.perf_counter() - started) * 1000
        if not response.is_success:
            load.errors[f"{kind}: HTTP {response.status_code}"] += 1
            return None
        load.ms[kind].append(ms)
        if think > 0:
            pause = min(random.uniform(0, 2 * think), deadline - time.monotonic())
            await asyncio.sleep(max(0.0, pause))
        return response

    async def person_loop(person: Person, rng: random.Random) -> None:
        if think > 0:  # people do not all click at the same moment
            await asyncio.sleep(rng.uniform(0, 2 * think))
        async with _client(web, person) as client:
            while time.monotonic() < deadline:
                first = await request(client, "first page", "GET", "/api/inbox")
                await request(client, "next page", "GET", "/api/inbox", params={"offset": PAGE})
                items = first.json()["items"] if first is not None else []
                if not items:
                    continue
                item = rng.choice(items)
                path = item_path(item["brand"], item["id"])
                await request(client, "open item", "GET", path)
                status = rng.choice(("in_progress", "done", "dismissed"))
                await request(client, "change status", "PATCH", path, json={"status": status})

    cpu = web.cpu_seconds()
    load.load_before = os.getloadavg()[0]
    await asyncio.gather(
        *(person_loop(p, random.Random(seed * 1000 + i)) for i, p in enumerate(crowd))
    )
    load.cpu_seconds = web.cpu_seconds() - cpu
    load.seconds = seconds + max(0.0, time.monotonic() - deadline)
    return load


# ---------------------------------------------------------------------------- the run


def summary(
    store: Store,
    candidates: dict[str, int],
    series: list[Series],
    load: Load | None,
    memory: dict[str, float],
    fill_rate: float | None,
) -> str:
    lines = ["", "=" * 100]
    oldest = f", oldest {store.oldest:%Y-%m-%d}" if store.oldest else ""
    lines.append(
        f"store: {store.mentions:,} mentions, {store.items:,} items (brand rows), "
        f"{len(store.brands)} brands{oldest}"
        + (f"; filled at {fill_rate:,.0f} mentions/s" if fill_rate else "")
    )
    lines.append(f"server: {store.server}")
    lines.append(f"machine: {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.1f}")
    lines.append(
        "default inbox (open, untagged, 30 days) candidates: "
        + ", ".join(f"{k} {v:,}" for k, v in candidates.items())
    )
    lines.append("")
    lines.append(
        f"  {'what':<44} {'how':<24} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'target':>7}"
        f" {'':<6} {'load':>5}"
    )
    lines += [s.line() for s in series]
    if load is not None:
        every = load.every
        lines.append("")
        lines.append(
            f"{load.users} users at once for {load.seconds:.0f} s "
            + (f"(pausing {load.think:g} s on average between requests) " if load.think else "")
            + f"(web pool {load.pool_size} "
            f"connections, load average {load.load_before:.1f} at the start): "
            f"{load.requests:,} requests, "
            f"{load.requests / load.seconds:,.1f} requests/s, {sum(load.errors.values())} errors"
            + (f" ({dict(load.errors)})" if load.errors else "")
        )
        lines.append(f"  {'request':<20} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for kind, values in [*load.ms.items(), ("all", every)]:
            lines.append(
                f"  {kind:<20} {len(values):>7,} {pct(values, 0.5):>8.1f} "
                f"{pct(values, 0.95):>8.1f} {pct(values, 0.99):>8.1f}"
            )
        lines.append(
            f"  web process CPU: {load.cpu_seconds:.1f} s in {load.seconds:.0f} s "
            f"({load.cpu_seconds / load.seconds:.2f} cores)"
        )
    if memory:
        lines.append(
            "web process resident memory: "
            + ", ".join(f"{k} {v:,.0f} MiB" for k, v in memory.items())
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mentions", type=int, default=1_000_000, help="mentions to store")
    ap.add_argument("--users", type=int, default=50, help="users at once in the load test")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load test")
    ap.add_argument("--database-url", default=None, help="a database to use (not dropped)")
    ap.add_argument("--state-dir", type=Path, default=None, help="keep a local cluster here")
    ap.add_argument("--skip-fill", action="store_true", help="use the mentions already stored")
    ap.add_argument("--days", type=float, default=60.0, help="the mentions span this many days")
    ap.add_argument("--brands", type=int, default=20)
    ap.add_argument("--runs", type=int, default=60, help="timed runs of each sequential case")
    ap.add_argument(
        "--think", type=float, default=0.0, help="mean pause of a user between requests (s)"
    )
    ap.add_argument("--explain", action="store_true", help="EXPLAIN every first-page case")
    ap.add_argument(
        "--pool-size",
        type=int,
        default=Settings.model_fields["database_pool_size"].default,
        help="the web process's BUZZWIRE_DATABASE_POOL_SIZE (default: the setting's)",
    )
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.skip_fill and not (args.database_url or args.state_dir):
        ap.error("--skip-fill needs a store that outlives a run: --database-url or --state-dir")

    run = uuid.uuid4().hex[:6]
    tmp = Path(tempfile.mkdtemp(prefix="buzzwire-bench-inbox-"))
    postgres: LocalPostgres | None = None
    web: Web | None = None
    fill_rate: float | None = None
    series: list[Series] = []
    plans: list[str] = []
    load: Load | None = None
    memory: dict[str, float] = {}
    try:
        if args.database_url:
            url = Settings(database_url=SecretStr(args.database_url)).database_url
            assert url is not None
        else:
            postgres = LocalPostgres(port=free_port(), state_dir=args.state_dir or tmp / "pg")
            postgres.start(timeout=120)
            url = postgres.url
            print(f"PostgreSQL {postgres.masked_url} (data in {postgres.data_dir})", flush=True)
        before, after = upgrade(url)
        print(f"schema: {before} -> {after}", flush=True)
        if not args.skip_fill:
            texts = load_texts()
            langs = Counter(lang for _, lang in texts)
            print(
                f"{len(texts):,} texts: " + ", ".join(f"{k} {v}" for k, v in langs.most_common(12)),
                flush=True,
            )
            gen = Generator(texts, make_brands(args.brands), args.seed)
            print(f"storing {args.mentions:,} mentions over {args.days:g} days ...", flush=True)
            fill_rate = asyncio.run(fill(url, gen, args.mentions, args.days, f"b{run}-"))
            print(f"VACUUM ANALYZE: {vacuum_analyze(url):.0f} s", flush=True)
        store = describe_store(url)
        if not store.brands:
            raise SystemExit("the store holds no mentions: run without --skip-fill")
        brands = [b for b, _ in store.brands]
        big, middle = brands[0], brands[len(brands) // 2]
        admin, agents, crowd = asyncio.run(make_people(url, brands, args.users, run))
        cases = [
            (f"first page, agent of {big} (biggest)", agents[big]),
            (f"first page, agent of {middle} (middle)", agents[middle]),
            (f"first page, admin ({len(brands)} brands)", admin),
        ]
        candidates = {
            big: open_candidates(url, [big]),
            middle: open_candidates(url, [middle]),
            "all brands": open_candidates(url, None),
        }
        print(f"candidates of the default inbox: {candidates}", flush=True)

        print("sequential:", flush=True)
        pages, plans = asyncio.run(direct_pages(url, cases, args.runs, args.explain))
        series += pages
        web = start_web(url, tmp, args.pool_size)
        memory["idle"] = web.memory_mib()
        series += asyncio.run(http_pages(web, cases, args.runs))
        agent = agents[big]
        ids = asyncio.run(page_ids(web, agent, min(2 * args.runs + 6, inbox.MAX_LIMIT)))
        half = len(ids) // 2
        change = asyncio.run(http_changes(web, agent, ids[:half]))
        print(change.line(), flush=True)
        direct = asyncio.run(direct_changes(url, agent, ids[half:]))
        print(direct.line(), flush=True)
        series += [change, direct]
        memory["after the sequential runs"] = web.memory_mib()

        print(f"{len(crowd)} users at once for {args.seconds:g} s ...", flush=True)
        load = asyncio.run(crowd_load(web, crowd, args.seconds, args.seed, args.think))
        load.pool_size = args.pool_size
        memory["after the load"] = web.memory_mib()
        memory["peak"] = web.memory_mib("VmHWM")
        ready = httpx.get(web.base + "/ready", timeout=10).status_code
        print(f"/ready after the load: {ready}", flush=True)
    finally:
        if web is not None:
            stop_group(web.proc, 15)
            errors = [
                ln for ln in web.log.read_text(errors="replace").splitlines() if "ERROR" in ln
            ]
            if errors:
                print(f"web log: {len(errors)} ERROR lines, the first: {errors[0][:300]}")
        if postgres is not None:
            if args.state_dir:
                postgres.stop()
            else:
                postgres.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    for plan in plans:
        print(plan)
    print(summary(store, candidates, series, load, memory, fill_rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
