"""The web app on a test's own store database: seeded with users, mentions and alerts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from streams.config import Settings
from streams.web.app import create_app
from tests.streams.web.support import POSTS, add_users, crisis_alerts, write_alerts, write_posts


@dataclass
class Seeded:
    url: SecretStr
    tokens: dict[str, str]
    now: datetime


@pytest.fixture
def seeded(store_url: SecretStr) -> Seeded:
    now = datetime.now(UTC)
    tokens = add_users(store_url)
    write_posts(store_url, POSTS, now)
    write_alerts(store_url, crisis_alerts(now))
    return Seeded(url=store_url, tokens=tokens, now=now)


def web_settings(url: SecretStr, **extra: object) -> Settings:
    return Settings(database_url=url, **extra)  # type: ignore[arg-type]


@pytest.fixture
def app_settings(seeded: Seeded) -> Settings:
    return web_settings(seeded.url)


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    app = create_app(app_settings, poll_seconds=0.2, sse_max_seconds=2.0, webhooks=False)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def make_client(app_settings: Settings) -> Iterator[object]:
    """More clients (two people at once), each on an app of its own (as two web processes:
    an app's engine belongs to the event loop of its client)."""
    opened: list[TestClient] = []

    def make() -> TestClient:
        app = create_app(app_settings, poll_seconds=0.2, sse_max_seconds=2.0, webhooks=False)
        test_client = TestClient(app, base_url="http://testserver")
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    try:
        yield make
    finally:
        for test_client in opened:
            test_client.__exit__(None, None, None)
