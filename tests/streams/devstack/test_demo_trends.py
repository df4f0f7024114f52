"""The demo's history for the Trends page (``import_trends_history``): written and imported
the way ``buzzwire import`` does (the linear model), into the rollups the page reads; a
second run stores nothing again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from streams.config import Settings
from streams.devstack.demo import import_trends_history
from streams.devstack.trends_history import history


def _rows(url: SecretStr, sql: str) -> list[tuple[Any, ...]]:
    u = make_url(url.get_secret_value())
    with psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
    ) as conn:
        return conn.execute(sql.encode()).fetchall()


def test_the_demo_imports_the_trends_history_once(
    store_url: SecretStr, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    settings = Settings(database_url=store_url)  # type: ignore[call-arg]
    path = tmp_path / "history.jsonl"
    expected = sum(1 for _ in history(now, days=21, scale=0.2))
    assert import_trends_history(settings, path, now=now, days=21, scale=0.2) == 0
    assert sum(1 for _ in path.open()) == expected
    out = capsys.readouterr().out
    assert "linear" in out and f"stored new:     {expected}" in out
    per_brand = dict(
        _rows(
            store_url, "SELECT brand, sum(mentions) FROM trend_rollups WHERE topic = '' GROUP BY 1"
        )
    )
    assert set(per_brand) == {"acme", "globex", "initech"}
    assert sum(per_brand.values()) == expected
    topics = {r[0] for r in _rows(store_url, "SELECT DISTINCT topic FROM trend_rollups")}
    assert {"delivery", "customer_service", "billing_price"} <= topics
    # a second run: the same days, nothing stored twice
    assert import_trends_history(settings, path, now=now, days=21, scale=0.2) == 0
    assert f"already stored: {expected}" in capsys.readouterr().out
    again = _rows(store_url, "SELECT sum(mentions) FROM trend_rollups WHERE topic = ''")
    assert again == [(sum(per_brand.values()),)]
