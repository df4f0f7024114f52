"""Buckets, tallies and window ends, shared by crisis windows and rolling benchmarks."""

from __future__ import annotations

import orjson

from streams.windowing.windows import Buckets, Hopping, Tally, tumbling
from tests.streams.factories import brand_event as event


def test_window_counts_and_keeps_top_samples_by_reach() -> None:
    window = Tally()
    for i, (sentiment, followers) in enumerate(
        [("negative", 5), ("positive", 500), ("negative", 900), ("neutral", 50), ("negative", 70)]
    ):
        window.add(event(f"m{i}", 0.0, sentiment, followers=followers, lang="es"), top_k=2)
    window.add(event("m2", 0.0, "negative", followers=900), top_k=2)  # dup id
    assert window.mentions == 6 and window.negative == 4 and window.positive == 1
    assert [s["id"] for s in window.samples] == ["m2", "m1"]
    assert [s["id"] for s in window.negative_samples] == ["m2", "m4"]
    assert window.langs == {"es": 5, "en": 1}
    assert window.untagged == 6
    # lives in a table: JSON only, and back
    assert Tally.from_json(orjson.loads(orjson.dumps(window.to_json()))) == window


def test_late_events_are_refused_once_their_window_closed() -> None:
    spec = tumbling("5m", 300)
    buckets = Buckets(last_end=600)
    assert not buckets.add(spec, event("old", 599.0))
    assert buckets.add(spec, event("new", 600.0))
    assert buckets.add(spec, event("newer", 1000.0))
    assert sorted(buckets.open) == [600, 900]
    assert buckets.pop(600).mentions == 1 and buckets.pop(600).mentions == 0
    assert Buckets.from_json(orjson.loads(orjson.dumps(buckets.to_json()))) == buckets


def test_hopping_window_sums_its_buckets_and_the_period_before() -> None:
    spec = Hopping("1h", 3600, 900)
    buckets = Buckets()
    for minute in range(0, 180, 5):
        buckets.add(spec, event(f"m{minute}", minute * 60.0))
    assert buckets.window(spec, 7200).mentions == 12
    assert buckets.window(spec, 7200, periods_back=1).mentions == 12
    assert buckets.window(spec, 3600 + 900).mentions == 12
    buckets.forget_before(3600)
    assert min(buckets.open) == 3600
    # no window closed yet: only the latest; then every hop since
    assert list(spec.closed_ends(None, 7300.0)) == [7200]
    assert list(spec.closed_ends(5400, 7300.0)) == [6300, 7200]
    assert list(spec.closed_ends(7200, 7300.0)) == []
