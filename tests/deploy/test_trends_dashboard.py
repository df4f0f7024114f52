"""The Grafana "Trends" dashboard (deploy/grafana/dashboards/trends.json), on the store's
PostgreSQL datasource: its structure, and every SQL query of it (panels and variables) run
against a real PostgreSQL store holding a synthetic 15-month history, once per period and in
two time zones, with Grafana's macros and variable formats expanded the way Grafana does
(``streams.devstack.grafana.expand_sql``). No dead panel: each returns rows, its comparison
columns hold data, and the volumes are the history's own counts.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
import yaml
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from streams.devstack import grafana
from streams.devstack.trends_history import HistoryMention, history
from tests.databases import new_database
from tests.streams.web.support import write_history

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "trends.json"
DATASOURCE = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "postgres.yml"
PERIODS = ("week", "month", "quarter")
ZONES = ("UTC", "America/New_York")
#: the dashboard's default time range: the last six months
RANGE_DAYS = 182
NOW = datetime.now(UTC).replace(microsecond=0)
#: the time macros of Grafana's SQL datasources this dashboard may use
MACROS = {"__timeFrom", "__timeTo", "__timeFilter"}


def _dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def _targets() -> list[tuple[str, dict[str, Any]]]:
    return [
        (panel["title"], target)
        for panel in grafana.panels(_dashboard())
        for target in panel.get("targets", [])
    ]


def _variables() -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in _dashboard()["templating"]["list"]}


# --------------------------------------------------------------------------- structure


def test_every_panel_is_sql_on_the_provisioned_postgres_datasource() -> None:
    (source,) = yaml.safe_load(DATASOURCE.read_text())["datasources"]
    expected = {"type": source["type"], "uid": source["uid"]}
    dashboard = _dashboard()
    assert dashboard["uid"] == "buzzwire-trends" and dashboard["title"] == "Trends"
    panels = grafana.panels(dashboard)
    assert len(panels) >= 8
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        assert panel["datasource"] == expected, panel["title"]
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        (target,) = panel["targets"]
        assert target["datasource"] == expected
        assert target["rawQuery"] is True and target["editorMode"] == "code"
        assert target["format"] == "table"
        assert target["rawSql"].strip(), panel["title"]
    for var in _variables().values():
        if var["type"] == "query":
            assert var["datasource"] == expected


def test_queries_read_the_rollups_and_never_the_raw_mentions() -> None:
    """Reports read the rollups' totals (``trend_totals``: one row per brand, topic and
    15-minute slot); only the service panel reads the inbox's brand rows (one brand's untagged
    items, through its index), and nothing reads ``mentions``."""
    for title, target in _targets():
        sql = target["rawSql"]
        tables = set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", sql))
        assert "mentions" not in tables, title
        assert tables & {"trend_totals", "mention_brands"}, title
        assert "trend_rollups" not in tables, title  # its totals are in trend_totals
        if "mention_brands" in tables:
            assert "NOT tagged" in sql and "brand = ${brand:sqlstring}" in sql, title


def test_variables_are_defined_and_every_query_expands() -> None:
    variables = _variables()
    assert set(variables) == {"brand", "competitors", "period", "tz"}
    assert [o["value"] for o in variables["period"]["options"]] == list(PERIODS)
    for title, target in _targets():
        used = grafana.variables_in(target["rawSql"])
        assert used - MACROS <= set(variables), title
        text = grafana.expand_sql(
            target["rawSql"],
            {"brand": "acme", "competitors": ["globex", "it's"], "period": "week", "tz": "UTC"},
            time_from="2026-01-01T00:00:00Z",
            time_to="2026-07-01T00:00:00Z",
        )
        assert "$" not in text, title
        if "competitors" in used:
            assert "'globex','it''s'" in text  # sqlstring: quoted, quotes doubled


def test_expand_sql_writes_macros_and_formats_as_grafana_does() -> None:
    values = {"b": "acme", "m": ["a", "o'k"], "p": "week"}
    got = grafana.expand_sql(
        "WHERE $__timeFilter(slot) AND x >= $__timeFrom() AND b = ${b:sqlstring} "
        "AND m IN ($m) AND n IN (${m:sqlstring}) AND '$p' = ${p:raw}",
        values,
        time_from="2026-01-01T00:00:00Z",
        time_to="2026-02-01T00:00:00Z",
    )
    assert got == (
        "WHERE slot BETWEEN '2026-01-01T00:00:00Z' AND '2026-02-01T00:00:00Z' "
        "AND x >= '2026-01-01T00:00:00Z' AND b = 'acme' "
        "AND m IN ('a','o''k') AND n IN ('a','o''k') AND 'week' = week"
    )
    with pytest.raises(KeyError):
        grafana.expand_sql("$nope", {}, time_from="x", time_to="y")
    with pytest.raises(ValueError):
        grafana.expand_sql("$__timeGroup(slot, '1h')", {}, time_from="x", time_to="y")


# --------------------------------------------------------------------------- against the store


@pytest.fixture(scope="module")
def filled_store(postgres_server: Any) -> Iterator[tuple[SecretStr, list[HistoryMention]]]:
    """A store of this module's own with 460 days of history (a fifth of the demo's volume)
    up to yesterday, written through the writer that keeps the rollups."""
    from streams.store.database import upgrade

    with new_database(postgres_server.url, "trends") as url:
        upgrade(url)
        past = list(history(NOW, days=460, scale=0.2))
        write_history(url, past)
        with _connect(url) as conn:
            # the inbox at work: a third of acme's untagged items answered 42 minutes after
            conn.execute(
                "UPDATE mention_brands SET status = 'done', "
                "first_action_at = created_at + interval '42 minutes' "
                "WHERE brand = 'acme' AND NOT tagged AND hashtext(mention_id) % 3 = 0"
            )
        yield url, past


def _connect(url: SecretStr) -> psycopg.Connection[Any]:
    u = make_url(url.get_secret_value())
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
    )


def _run(conn: psycopg.Connection[Any], sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with conn.cursor() as cur:
        cur.execute(sql.encode())  # bytes: psycopg takes it as is (no placeholders)
        assert cur.description is not None
        return [c.name for c in cur.description], cur.fetchall()


def _label(start: date, period: str) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start:%Y-%m}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _period_of(when: datetime, period: str) -> date:
    day = when.date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def _expected_volume(
    past: list[HistoryMention], brand: str, period: str, zone: str
) -> Counter[str]:
    tz = ZoneInfo(zone)
    out: Counter[str] = Counter()
    for m in past:
        if m.brand == brand:
            when = datetime.fromisoformat(m.value["created_at"].replace("Z", "+00:00"))
            out[_label(_period_of(when.astimezone(tz), period), period)] += 1
    return out


def test_every_dashboard_query_returns_data_from_the_store(
    filled_store: tuple[SecretStr, list[HistoryMention]],
) -> None:
    url, past = filled_store
    variables = _variables()
    time_from = (NOW - timedelta(days=RANGE_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    time_to = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    problems: list[str] = []
    runs = 0
    with _connect(url) as conn:
        # the variables' own queries: every brand of the history
        for name in ("brand", "competitors"):
            _, rows = _run(conn, variables[name]["query"])
            assert sorted(r[0] for r in rows) == ["acme", "globex", "initech"], name
        for period in PERIODS:
            for zone in ZONES:
                values = {
                    "brand": "acme",
                    "competitors": ["globex", "initech"],
                    "period": period,
                    "tz": zone,
                }
                expected = _expected_volume(past, "acme", period, zone)
                for title, target in _targets():
                    sql = grafana.expand_sql(
                        target["rawSql"], values, time_from=time_from, time_to=time_to
                    )
                    runs += 1
                    where = f"{title} ({period}, {zone})"
                    try:
                        columns, rows = _run(conn, sql)
                    except psycopg.Error as exc:
                        conn.rollback()
                        problems.append(f"{where}: {str(exc).strip()}")
                        continue
                    if not rows:
                        problems.append(f"{where}: no rows")
                        continue
                    for i, column in enumerate(columns):
                        if not any(row[i] is not None for row in rows):
                            problems.append(f"{where}: column {column!r} is empty")
                    if "period" in columns and "mentions" in columns and "topic" not in columns:
                        at = columns.index("period"), columns.index("mentions")
                        for row in rows:
                            # the period in progress (so far): the history stops yesterday
                            label = row[at[0]].removesuffix(" (so far)")
                            if row[at[1]] != expected[label]:
                                problems.append(
                                    f"{where}: {label} has {row[at[1]]} mentions, "
                                    f"the history {expected[label]}"
                                )
                        so_far = [r[at[0]] for r in rows if r[at[0]].endswith(" (so far)")]
                        assert so_far in ([], [rows[-1][at[0]]]), where
    assert runs == len(_targets()) * len(PERIODS) * len(ZONES)
    assert not problems, "\n".join(problems)
