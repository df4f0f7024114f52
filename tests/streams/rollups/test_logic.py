"""Rolling benchmark arithmetic without Kafka."""

from __future__ import annotations

import pytest

from streams.kernel.timestamps import iso_utc
from streams.rollups import logic
from streams.rollups.logic import BrandRollups
from streams.windowing.clock import ClockSnapshot, EventClock
from streams.windowing.events import BrandEvent
from streams.windowing.windows import Buckets, Hopping

H = 3600


def ev(sentiment: str, lang: str = "en", tagged: bool = False, ts: float = 0.0) -> BrandEvent:
    return BrandEvent(brand="acme", id="m", ts=ts, sentiment=sentiment, lang=lang, tagged=tagged)


def test_window_specs_parse_and_reject_bad_ones() -> None:
    specs = logic.parse_specs("1h:5m, 24h:1h,7d:6h")
    assert [(s.name, s.size, s.hop, s.buckets) for s in specs] == [
        ("1h", 3600, 300, 12),
        ("24h", 86400, 3600, 24),
        ("7d", 604800, 21600, 28),
    ]
    assert logic.parse_specs("2h")[0].hop == 600  # default hop: a twelfth
    for bad in ("1h:7m", "1x", "", "1h,1h:10m"):
        with pytest.raises(ValueError):
            logic.parse_specs(bad)


def hour_buckets(per_hour: list[list[BrandEvent]], start: int) -> Buckets:
    out = Buckets()
    spec = Hopping("1h", H, H)
    for i, events in enumerate(per_hour):
        for e in events:
            assert out.add(spec, BrandEvent(**{**e.to_json(), "ts": start + i * H}))
    return out


def test_benchmark_sums_the_window_and_compares_with_the_period_before() -> None:
    spec = Hopping("2h", 2 * H, H)
    t0 = 1_790_000_000 - 1_790_000_000 % H
    buckets = hour_buckets(
        [
            [ev("positive")] * 2,  # previous period: 2 + 2 mentions
            [ev("negative")] * 2,
            [ev("positive", "es")] * 3 + [ev("negative", tagged=True)],  # current: 4 + 6
            [ev("neutral", "hr")] * 6,
        ],
        t0,
    )
    rec = logic.benchmark("acme", spec, t0 + 4 * H, buckets, first_seen=t0)
    assert rec["mentions"] == 10 and rec["previous_mentions"] == 4
    assert rec["velocity"] == 2.5
    assert rec["net_sentiment"] == (3 - 1) / 4
    assert rec["negative_share"] == 0.1
    assert rec["untagged_share"] == 0.9
    assert rec["top_languages"] == {"hr": 6, "es": 3, "en": 1}
    assert rec["complete"] is True
    assert rec["start"].startswith(iso_utc(t0 + 2 * H)[:13])
    # a window before the brand was first seen is not complete; no mentions: ratios are None
    early = logic.benchmark("acme", spec, t0 + H, buckets, first_seen=t0)
    assert early["complete"] is False and early["mentions"] == 2
    empty = logic.benchmark("acme", spec, t0 + 10 * H, buckets, first_seen=t0)
    assert empty["mentions"] == 0
    assert empty["net_sentiment"] is None and empty["velocity"] is None


def test_due_ends_follow_the_clock_with_lateness_and_bounded_backfill() -> None:
    spec = Hopping("1h", H, 300)
    t0 = 1_790_000_000 - 1_790_000_000 % H
    clock = EventClock(lateness=120)

    def due(last_end: int | None, clock_ts: float, lateness: float = 120) -> list[int]:
        rollups = BrandRollups(first_seen=t0, specs={"1h": Buckets(last_end=last_end)})
        watermark = EventClock(lateness=lateness).watermark(ClockSnapshot(clock_ts, 0.0), 0.0)
        return [r["end_ts"] for r in rollups.emit_due("acme", [spec], watermark)]

    assert clock.lateness == 120
    assert due(None, t0 + 1000) == [t0 + 600]
    assert due(t0 + 600, t0 + 1000) == []
    assert due(t0 + 600, t0 + 1020) == [t0 + 900]
    far = due(t0, t0 + 10 * H, lateness=0)
    assert len(far) == logic.MAX_BACKFILL and far[-1] == t0 + 10 * H
    # buckets no later window reads (older than two periods) are dropped
    hourly = Hopping("1h", H, H)
    rollups = BrandRollups()
    for start in (t0, t0 + H, t0 + 2 * H):
        rollups.add([hourly], ev("neutral", ts=start))
    rollups.specs["1h"].last_end = t0 + 2 * H
    rollups.emit_due("acme", [hourly], float(t0 + 3 * H))
    assert sorted(rollups.specs["1h"].open) == [t0 + H, t0 + 2 * H]


def test_competitor_sets_and_share_of_voice() -> None:
    sets = logic.competitor_sets({"acme": ["globex", "initech"], "globex": ["acme"], "initech": []})
    assert sets == {
        "acme": ("acme", "globex", "initech"),
        "globex": ("globex", "acme"),
        "initech": ("initech",),
    }
    assert logic.sets_of("acme", sets) == ["acme", "globex"]
    assert logic.sets_of("initech", sets) == ["acme", "initech"]
    end = 1_790_000_000
    vols: dict[str, dict[str, int]] = {}
    vols["acme"] = logic.record_volume({}, end, 30)
    vols["globex"] = logic.record_volume(logic.record_volume({}, end - 300, 99), end, 10)
    shares = logic.share_of_voice(sets["acme"], vols, end)
    assert shares == {"acme": 0.75, "globex": 0.25, "initech": 0.0}
    assert logic.share_of_voice(sets["acme"], vols, end + 300) is None
    # a member whose partition is behind holds the shares back until it reports
    behind = {
        "acme": logic.record_volume({}, end, 30),
        "globex": logic.record_volume({}, end - 300, 9),
    }
    assert logic.share_of_voice(sets["acme"], behind, end) is None
    behind["globex"] = logic.record_volume(behind["globex"], end, 10)
    assert logic.share_of_voice(sets["acme"], behind, end) == shares
    # one that has moved past this end without reporting it counts 0 for it
    skipped = {
        "acme": logic.record_volume({}, end, 30),
        "globex": logic.record_volume({}, end + 300, 5),
    }
    assert logic.share_of_voice(sets["acme"], skipped, end) == {
        "acme": 1.0,
        "globex": 0.0,
        "initech": 0.0,
    }
    kept = {}
    for i in range(10):
        kept = logic.record_volume(kept, end + i, i)
    assert sorted(kept, key=int) == [str(end + i) for i in range(6, 10)]
