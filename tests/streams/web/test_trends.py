"""The Trends page over HTTP, on a store holding a synthetic 15-month history
(``streams.devstack.trends_history``): charts with data and their tables, the figures equal to
the history's own counts, the periods, brand scope (404 for another brand), every role, the
page's accessibility and its scripts under the Content-Security-Policy."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from streams.devstack.trends_history import HistoryMention, history
from streams.trends.periods import span_of
from streams.web.app import create_app
from tests.databases import new_database
from tests.streams.web.conftest import web_settings
from tests.streams.web.support import add_users, sign_in, write_history

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def trends_store(postgres_server: Any) -> Iterator[tuple[SecretStr, list[HistoryMention]]]:
    from streams.store.database import upgrade

    with new_database(postgres_server.url, "trendsweb") as url:
        upgrade(url)
        add_users(url)
        past = list(history(NOW, days=460, scale=0.2))
        write_history(url, past)
        yield url, past


@pytest.fixture
def trends_client(trends_store: tuple[SecretStr, list[HistoryMention]]) -> Iterator[TestClient]:
    app = create_app(web_settings(trends_store[0]), webhooks=False)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def charts(page: str) -> dict[str, dict[str, Any]]:
    """Each figure's id -> the chart spec the page hands to trends.js."""
    out = {}
    for fid, body in re.findall(r'<figure class="chart" id="([\w-]+)"(.*?)</figure>', page, re.S):
        (spec,) = re.findall(r'<script type="application/json">(.*?)</script>', body, re.S)
        out[fid] = json.loads(spec)
    return out


def weekly_counts(past: list[HistoryMention], brand: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for m in past:
        if m.brand == brand:
            when = datetime.fromisoformat(m.value["created_at"].replace("Z", "+00:00"))
            out[span_of("week", when.date(), "UTC").label] += 1
    return out


def test_the_trends_page_has_charts_with_the_history_figures(
    trends_client: TestClient, trends_store: tuple[SecretStr, list[HistoryMention]]
) -> None:
    sign_in(trends_client, "root")
    page = trends_client.get("/trends")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<a href="/trends" aria-current="page">Trends</a>' in text
    found = charts(text)
    assert list(found) == [
        "volume",
        "growth",
        "share-of-voice",
        "net-sentiment",
        "departments",
        "department-negative",
    ]
    volume = found["volume"]
    assert len(volume["labels"]) == 14 and volume["labels"][-1].endswith(" (so far)")
    counts = weekly_counts(trends_store[1], "acme")
    mentions, year_ago = volume["series"][0]["values"], volume["series"][1]["values"]
    assert mentions[:-1] == [counts[label] for label in volume["labels"][:-1]]
    assert mentions[-1] == counts[volume["labels"][-1].removesuffix(" (so far)")]
    assert all(v is not None for v in year_ago[-8:])  # 460 days: a year before exists
    growth = found["growth"]["series"]
    assert growth[0]["values"][-1] is None  # the week in progress is not compared
    assert any(v is not None for v in growth[0]["values"][:-1])
    # share of voice: acme, globex, initech add up to 100 in every week
    sov = found["share-of-voice"]
    assert [s["name"] for s in sov["series"]] == ["Acme", "Globex", "Initech", "Acme a year before"]
    for i in range(len(sov["labels"]) - 1):
        assert sum(s["values"][i] for s in sov["series"][:3]) == pytest.approx(100.0)
    assert sov["series"][0]["values"][-2] > sov["series"][3]["values"][-2]  # acme grew
    score = found["net-sentiment"]
    assert score["min"] == -100 and score["max"] == 100
    assert all(-100 <= v <= 100 for v in score["series"][0]["values"][:-1])
    depts = {s["name"] for s in found["departments"]["series"]}
    assert {"Operations", "Customer service", "Product development", "Marketing"} <= depts
    # the headline: last complete week, with sample sizes and the noise test
    assert "the last complete one" in text
    assert "n = " in text and ("noise" in text or "news" in text)
    assert "Most important statements of" in text and "Original post" in text


@pytest.mark.parametrize(("period", "shown"), [("month", 13), ("quarter", 9)])
def test_months_and_quarters(trends_client: TestClient, period: str, shown: int) -> None:
    sign_in(trends_client, "root")
    page = trends_client.get(f"/trends?brand=acme&period={period}")
    assert page.status_code == 200
    volume = charts(page.text)["volume"]
    assert len(volume["labels"]) == shown
    assert f'<option value="{period}" selected>' in page.text
    assert sum(v for v in volume["series"][0]["values"] if v) > 0


def test_brand_scope_and_roles(trends_client: TestClient) -> None:
    sign_in(trends_client, "gus")  # an agent of globex only
    page = trends_client.get("/trends")
    assert page.status_code == 200
    assert "<h1>Trends: Globex</h1>" in page.text
    options = re.findall(r'<option value="([^"]+)"', page.text.split('id="period"')[0])
    assert options == ["globex"]
    # another brand is not found, exactly like one that does not exist
    other = trends_client.get("/trends?brand=acme")
    missing = trends_client.get("/trends?brand=nope")
    assert other.status_code == missing.status_code == 404
    assert "Acme" not in other.text.split("<main", 1)[1]
    bad = trends_client.get("/trends?period=day")
    assert bad.status_code == 422


def test_a_viewer_reads_trends(trends_client: TestClient) -> None:
    sign_in(trends_client, "vera")
    page = trends_client.get("/trends?brand=acme&period=month")
    assert page.status_code == 200 and charts(page.text)


def test_signed_out_goes_to_sign_in(trends_client: TestClient) -> None:
    page = trends_client.get("/trends?period=month", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Ftrends%3Fperiod%3Dmonth"


def test_accessible_markup_and_no_inline_script(trends_client: TestClient) -> None:
    sign_in(trends_client, "root")
    page = trends_client.get("/trends")
    text = page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for tag in re.findall(r"<script[^>]*>", text):
        # scripts from this origin, or data that is never run
        assert ' src="/static/' in tag or tag == '<script type="application/json">', tag
    assert '<script src="/static/vendor/chart.umd.min.js" defer></script>' in text
    for fid in charts(text):
        figure = text.split(f'<figure class="chart" id="{fid}"', 1)[1].split("</figure>", 1)[0]
        assert f'aria-describedby="{fid}-caption"' in figure
        assert '<canvas aria-hidden="true">' in figure  # the table speaks for the chart
        assert "<caption>" in figure and '<th scope="row">' in figure
        assert f'aria-controls="{fid}-table"' in figure
    assert '<label for="brand">' in text and '<label for="period">' in text
    assert trends_client.get("/static/vendor/chart.umd.min.js").status_code == 200
    assert trends_client.get("/static/trends.js").status_code == 200


def test_a_brand_without_mentions_or_competitors(trends_client: TestClient) -> None:
    sign_in(trends_client, "root")
    page = trends_client.get("/trends?brand=zelta")  # no mention, no competitor
    assert page.status_code == 200
    found = charts(page.text)
    assert "share-of-voice" not in found and "volume" in found
    assert set(found["volume"]["series"][0]["values"]) == {0}
    assert "no data vs previous period" in page.text
