"""``buzzwire digest`` against a real local HTTP receiver: a brand's weekly digest and a
department's, signed as the alert webhooks are, a Slack message, a re-run carrying the same
delivery id, a failing receiver reported with exit status 1, and a broken digests file
refused."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from streams.alerts.webhook import verify
from streams.config import Settings
from streams.reporting.cli import run_digest
from streams.store.database import async_engine
from streams.store.rows import mention_rows
from streams.store.writer import Item, PartitionCache, write_batch
from tests.streams.store.factories import enriched

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # a Wednesday: the last complete week is W46
SECRET = "digest-secret-ü"
BRANDS = """
brands:
  - id: acme
    name: Acme
    competitors: [globex]
    timezone: Europe/Riga
  - id: globex
    name: Globex
"""
TOPICS = """
topics:
  - id: delivery
    name: Delivery
    department: operations
  - id: billing
    name: Billing
    department: finance
"""


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.server.shutdown()


async def seed(url: SecretStr) -> None:
    records = [
        enriched(
            f"w{i}",
            "late again",
            created_at=f"2026-11-1{i % 5}T10:00:00.000Z",
            brands=[("acme", False)],
            sentiment="negative",
            followers=100 * i,
            topics=["delivery"],
        )
        for i in range(10)
    ] + [enriched("g1", created_at="2026-11-12T10:00:00.000Z", brands=[("globex", False)])]
    engine = async_engine(url, pool_size=1)
    try:
        items = [Item("mention", mention_rows(r)) for r in records]
        await write_batch(engine, items, PartitionCache())
    finally:
        await engine.dispose()


def setup_files(tmp_path: Path, receiver: Receiver) -> tuple[Path, Path, Path]:
    brands = tmp_path / "brands.yaml"
    brands.write_text(BRANDS, encoding="utf-8")
    topics = tmp_path / "topics.yaml"
    topics.write_text(TOPICS, encoding="utf-8")
    routes = tmp_path / "digests.yaml"
    routes.write_text(
        f"""
digests:
  - name: acme-weekly
    brands: [acme]
    format: webhook
    url: {receiver.url}/brand
    secret_env: TEST_DIGEST_SECRET
  - name: acme-ops
    brands: [acme]
    departments: [operations]
    format: webhook
    url: {receiver.url}/ops
    headers: {{X-Team: ops}}
  - name: acme-slack
    brands: [acme]
    format: slack
    url_env: TEST_DIGEST_SLACK
""",
        encoding="utf-8",
    )
    return brands, topics, routes


async def test_digests_are_delivered_signed_per_brand_and_department(
    store_url: SecretStr, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(store_url)
    brands, topics, routes = setup_files(tmp_path, receiver)
    monkeypatch.setenv("TEST_DIGEST_SECRET", SECRET)
    monkeypatch.setenv("TEST_DIGEST_SLACK", f"{receiver.url}/slack")
    settings = Settings(database_url=store_url, brands=brands)

    def run() -> int:
        return run_digest(settings, routes_file=routes, topics=topics, now=NOW)

    assert await asyncio.to_thread(run) == 0
    by_path = {r["path"]: r for r in receiver.requests}
    assert sorted(by_path) == ["/brand", "/ops", "/slack"]
    brand = by_path["/brand"]
    assert verify(brand["body"], SECRET, brand["headers"]["X-Buzzwire-Signature"])
    assert not verify(brand["body"], "wrong", brand["headers"]["X-Buzzwire-Signature"])
    assert brand["headers"]["X-Buzzwire-Event"] == "digest"
    payload = json.loads(brand["body"])
    assert payload["id"] == "acme-weekly:acme:*:2026-W46"
    assert brand["headers"]["X-Buzzwire-Alert-Id"] == payload["id"]
    assert (payload["span"]["first_day"], payload["span"]["last_day"]) == (
        "2026-11-09",
        "2026-11-15",
    )
    measures = {m["name"]: m for m in payload["measures"]}
    assert measures["volume"]["value"] == 10 and measures["volume"]["n"] == 10
    assert measures["negative_share"]["value"] == 100.0
    assert measures["share_of_voice"]["value"] == 100.0 * 10 / 11
    assert [s["mention_id"] for s in payload["statements"]["negative"]][:2] == ["w9", "w8"]
    ops = by_path["/ops"]
    assert "X-Buzzwire-Signature" not in ops["headers"]  # no secret on that route
    assert ops["headers"]["X-Team"] == "ops"
    dept = json.loads(ops["body"])
    assert (dept["department"], dept["topics"]) == ("operations", ["delivery"])
    assert dept["measures"][0]["value"] == 10
    assert dept["statements"]["negative"][0]["mention_id"] == "w9"
    slack = json.loads(by_path["/slack"]["body"])
    assert "*Acme: 2026-W46" in slack["text"] and "Mentions" in slack["text"]
    # a re-run of the same digests carries the same delivery ids (receivers de-duplicate)
    first = {
        r["path"]: r["headers"]["X-Buzzwire-Delivery"]
        for r in receiver.requests
        if "X-Buzzwire-Delivery" in r["headers"]
    }
    assert sorted(first) == ["/brand", "/ops"]
    receiver.requests.clear()
    assert await asyncio.to_thread(run) == 0
    again = {
        r["path"]: r["headers"]["X-Buzzwire-Delivery"]
        for r in receiver.requests
        if "X-Buzzwire-Delivery" in r["headers"]
    }
    assert again == first
    # a receiver that refuses: reported, exit status 1
    receiver.status = 400
    assert await asyncio.to_thread(run) == 1


def test_a_broken_digests_file_is_refused(tmp_path: Path, store_url: SecretStr) -> None:
    brands = tmp_path / "brands.yaml"
    brands.write_text(BRANDS, encoding="utf-8")
    routes = tmp_path / "digests.yaml"
    routes.write_text(
        "digests:\n  - name: x\n    brands: [nope]\n    period: decade\n    format: webhook\n"
        "    url: ftp://example\n",
        encoding="utf-8",
    )
    settings = Settings(database_url=store_url, brands=brands)
    assert run_digest(settings, routes_file=routes) == 2
