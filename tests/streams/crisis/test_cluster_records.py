"""The ``mentions.duplicates`` record of a brand event (pure: no Kafka)."""

from __future__ import annotations

import orjson

from streams.crisis.cluster_records import cluster_key, cluster_record
from streams.crisis.insight import BrandInsight, InsightConfig
from streams.kernel.timestamps import iso_utc
from streams.windowing.events import BrandEvent

T0 = 1_790_000_000.0
TEXT = "the acme app keeps crashing whenever I open my account settings page"


def event(mid: str, text: str, ts: float, author: str = "@ana", **extra: object) -> BrandEvent:
    return BrandEvent(
        brand="acme",
        id=mid,
        ts=ts,
        created_at=iso_utc(ts),
        author=author,
        text=text,
        **extra,  # type: ignore[arg-type]
    )


def test_a_copy_and_its_original_name_the_same_cluster() -> None:
    insight = BrandInsight(InsightConfig())
    first = event("m1", TEXT, T0, "@ana")
    copy = event("m2", TEXT + " #fail", T0 + 5, "@bob")
    other = event("m3", "loving the new acme headphones, the sound is crisp and warm", T0 + 9)
    records = [cluster_record(e, insight.observe(e)) for e in (first, copy, other)]
    assert records[0] == {
        "id": "m1",
        "brand": "acme",
        "created_at": iso_utc(T0),
        "duplicate_cluster": records[0]["duplicate_cluster"],
        "duplicate_size": 1,
        "copy": False,
        "capped": False,
        "organic": True,
    }
    assert records[0]["duplicate_cluster"] is not None
    assert records[1]["duplicate_cluster"] == records[0]["duplicate_cluster"]
    assert records[1]["duplicate_size"] == 2
    assert records[1]["copy"] is True and records[1]["organic"] is False
    assert records[2]["duplicate_cluster"] not in (None, records[0]["duplicate_cluster"])
    assert records[2]["copy"] is False
    # JSON as it goes on the topic, keyed by brand
    assert orjson.loads(orjson.dumps(records[1])) == records[1]
    assert cluster_key(copy) == b"acme"


def test_short_posts_reshares_and_capped_authors() -> None:
    insight = BrandInsight(InsightConfig())
    short = event("s1", "acme down?", T0)
    record = cluster_record(short, insight.observe(short))
    assert record["duplicate_cluster"] is None and record["duplicate_size"] == 0
    assert record["organic"] is True
    reshare = event("r1", TEXT, T0 + 1, reshare_of="m0")
    assert cluster_record(reshare, insight.observe(reshare))["duplicate_cluster"] is None
    # an author's posts beyond the cap (3 per 5 minutes) are capped, not organic
    posts = [
        event(f"c{i}", f"post number {i} about acme from a very busy account", T0 + 10 + i, "@bot")
        for i in range(5)
    ]
    capped = [cluster_record(e, insight.observe(e))["capped"] for e in posts]
    assert capped == [False, False, False, True, True]


def test_created_at_falls_back_to_the_event_time() -> None:
    bare = BrandEvent(brand="acme", id="m9", ts=T0, text="hello")
    record = cluster_record(bare, BrandInsight().observe(bare))
    assert record["created_at"] == iso_utc(T0)
