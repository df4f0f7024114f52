"""End to end in a real browser: the demo's sample mentions go through the real broker, a real
``buzzwire worker`` (the linear model, for speed), a real ``buzzwire sink`` and the store, and
appear in ``buzzwire web``'s inbox while the page is open, untagged ones only, in priority
order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from streams.config import sample_stream_path
from streams.devstack.ports import free_port
from streams.devstack.workerproc import sink_process
from streams.replay import replay
from tests.browser.conftest import DESKTOP
from tests.browser.test_inbox_browser import item_ids, sign_in, wait_for
from tests.integration.conftest import running_worker
from tests.streams.web.support import add_users, web_process

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SAMPLE_LINES = 400


def test_the_sample_streams_into_the_open_inbox_in_priority_order(
    browser: Callable[..., Any],
    kafka_broker: Any,
    store_url: SecretStr,
    tmp_path: Path,
) -> None:
    tokens = add_users(store_url)
    web = web_process(store_url, tmp_path / "web.log", free_port())
    web.start()
    env = {"BUZZWIRE_SENTIMENT_MODEL": "linear", "BUZZWIRE_SENTIMENT_FALLBACK_LAG": "0"}
    try:
        web.wait_ready(timeout=60)
        with running_worker(kafka_broker, tmp_path, "e2e-inbox", env=env) as (settings, _):
            sink = sink_process(
                settings.model_copy(update={"database_url": store_url}),
                tmp_path / "sink.log",
                free_port(),
            )
            sink.start()
            try:
                sink.wait_ready(timeout=60)
                driver = browser(*DESKTOP)
                site_url = f"http://127.0.0.1:{web.web_port}"
                sign_in(driver, SimpleNamespace(url=site_url), "root")  # type: ignore[arg-type]
                assert item_ids(driver) == []  # nothing stored yet
                asyncio.run(
                    replay(
                        sample_stream_path(),
                        bootstrap_servers=settings.bootstrap_servers,
                        topic=settings.topic("mentions.raw"),
                        live=True,
                        limit=SAMPLE_LINES,
                        progress=False,
                    )
                )
                # the open page learns of them without a reload
                banner = wait_for(
                    lambda: driver.execute_script(
                        "const b = document.getElementById('new-mentions');"
                        "return b && !b.hidden ? b.textContent : null;"
                    ),
                    "the new-mentions notice",
                    timeout=180,
                )
                assert "new mention" in banner
                api = _wait_for_api(site_url, tokens["root"])
            finally:
                assert sink.stop() == 0, sink.log_tail()
        driver.get(f"{site_url}/inbox")
        shown = item_ids(driver)
        assert shown and shown == [item["id"] for item in api[: len(shown)]]
        scores = [item["score"] for item in api]
        assert scores == sorted(scores, reverse=True)  # priority order
        assert all(not item["tagged"] for item in api)  # the untagged inbox
    finally:
        assert web.stop() == 0, web.log_tail()


def _wait_for_api(site_url: str, token: str) -> list[dict[str, Any]]:
    """The first inbox page over the API once it has stopped growing."""
    last: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page = httpx.get(
            f"{site_url}/api/inbox",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        page.raise_for_status()
        items = page.json()["items"]
        if items and [i["id"] for i in items] == [i["id"] for i in last]:
            return items
        last = items
        time.sleep(3)
    raise AssertionError("the inbox kept changing or stayed empty")
