"""Records to rows: what is kept, what is made safe, what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.inbox.priority import static_priority
from streams.store.rows import RowError, alert_rows, benchmark_row, mention_rows, safe_text
from tests.streams.store.factories import alert, brand_benchmark, enriched


def test_a_mention_becomes_one_row_and_a_row_per_brand() -> None:
    rows = mention_rows(enriched("m1", brands=[("acme", True), ("globex", False)]))
    assert rows.mention["id"] == "m1"
    assert rows.mention["created_at"] == datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert rows.mention["brands"] == ["acme", "globex"]
    assert rows.mention["tagged_brands"] == ["acme"]
    assert rows.mention["untagged"] is True
    assert rows.mention["sentiment_negative"] == pytest.approx(0.1)
    assert [(b["brand"], b["tagged"]) for b in rows.brands] == [("acme", True), ("globex", False)]
    # reach: followers plus engagement
    assert {b["reach"] for b in rows.brands} == {10 + 1 + 2 + 3}


def test_a_brand_named_twice_is_one_row_tagged_if_either_was() -> None:
    rows = mention_rows(enriched("m1", brands=[("acme", False), ("acme", True)]))
    assert [(b["brand"], b["tagged"]) for b in rows.brands] == [("acme", True)]
    assert rows.mention["untagged"] is False


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "a\ufffdb"),
        ("lone \ud800 high", "lone \ufffd high"),
        ("lone \udc00 low", "lone \ufffd low"),
    ],
)
def test_what_postgres_cannot_hold_is_replaced_and_flagged(raw: str, clean: str) -> None:
    assert safe_text(raw) == (clean, True)
    rows = mention_rows(enriched("m1", raw, author={"name": raw, "followers": 1}))
    assert rows.mention["text"] == clean
    assert rows.mention["author_name"] == clean
    assert rows.mention["sanitized"] is True


@pytest.mark.parametrize(
    "text",
    ["emoji 🤬🔥 and 👩‍👩‍👧", "مرحبا بالعالم RTL", "'; DROP TABLE mentions; -- \\ %_ $1 $$"],
)
def test_everything_else_is_kept_as_it_came(text: str) -> None:
    rows = mention_rows(enriched("m1", text))
    assert rows.mention["text"] == text
    assert rows.mention["sanitized"] is False


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ([1, 2], "not_object"),
        ({"text": "no id", "created_at": "2026-11-01T00:00:00Z"}, "missing_field"),
        (enriched("m1", created_at="yesterday"), "invalid_timestamp"),
        (enriched("m1", created_at="1999-12-31T23:59:59Z"), "invalid_timestamp"),
        (enriched("m1", author={"followers": -1}), "invalid_field"),
        (enriched("m1", author={"followers": 2**63}), "invalid_field"),
        ({**enriched("m1"), "brands": "acme"}, "invalid_field"),
        (enriched("x" * 600), "invalid_field"),
        (enriched("m1", sentiment_scores={"negative": 7}), "invalid_field"),
    ],
)
def test_broken_records_are_refused_with_a_reason(record: object, reason: str) -> None:
    with pytest.raises(RowError) as caught:
        mention_rows(record)
    assert caught.value.reason == reason


def test_an_alert_event_gives_its_event_row_and_thread_state() -> None:
    rows = alert_rows(alert("acme:t1", 3, "resolved"))
    assert rows.event["thread_id"] == "acme:t1"
    assert rows.event["sequence"] == 3
    assert rows.thread["status"] == "resolved"
    assert rows.thread["resolved_at"] == datetime(2026, 11, 1, 15, tzinfo=UTC)
    with pytest.raises(RowError):
        alert_rows(alert("acme:t1", 0))


def test_benchmark_records_of_both_types() -> None:
    row = benchmark_row(brand_benchmark(1793541600, 12))
    assert (row["type"], row["subject"], row["window"]) == ("brand", "acme", "1h")
    assert row["window_end"] == datetime.fromtimestamp(1793541600, tz=UTC)
    sov = benchmark_row(
        {"type": "share_of_voice", "competitor_set": "acme", "window": "1h", "end": 1793541600}
    )
    assert sov["subject"] == "acme"
    with pytest.raises(RowError):
        benchmark_row({"type": "mystery", "window": "1h"})


def test_a_mention_row_says_whether_it_asks_or_reports_and_brand_rows_carry_a_priority() -> None:
    rows = mention_rows(
        enriched(
            "m1",
            "Why is my order not working?",
            sentiment="negative",
            followers=12000,
            brands=[("acme", True), ("globex", False)],
        )
    )
    assert rows.mention["asks_question"] is True
    assert rows.mention["reports_problem"] is True
    expected = static_priority(
        12000, 1 + 2 + 3, {"negative": 0.9, "neutral": 0.05, "positive": 0.05}, True, True
    )
    assert [b["priority"] for b in rows.brands] == [pytest.approx(expected)] * 2
    plain = mention_rows(enriched("m2", "saw an ad", followers=5))
    assert (plain.mention["asks_question"], plain.mention["reports_problem"]) == (False, False)
    assert plain.brands[0]["priority"] < expected


def test_a_mention_without_text_or_scores_has_a_reach_only_priority() -> None:
    rows = mention_rows(
        {"id": "x", "created_at": "2026-01-01T00:00:00Z", "brands": [{"id": "b", "tagged": True}]}
    )
    assert rows.mention["asks_question"] is False
    assert rows.brands[0]["priority"] == 0.0
