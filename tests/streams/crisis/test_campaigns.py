"""Organic make-up of windows, the author cap and the coordinated verdict."""

from __future__ import annotations

from typing import Any

from streams.crisis.campaigns import AuthorCap, CampaignConfig, Mix, classify


def post(i: int, ts: float) -> dict[str, Any]:
    return {"id": f"m{i}", "text": f"post {i}", "ts": ts}


def count(
    mix: Mix,
    i: int,
    *,
    copy: bool = False,
    capped: bool = False,
    cluster: int | None = None,
    sentiment: str = "negative",
    ts: float = 0.0,
) -> None:
    mix.count(
        sentiment=sentiment,
        lang="en",
        platform="x",
        copy=copy,
        capped=capped,
        reshare=False,
        cluster=cluster,
        sample=lambda: post(i, ts),
        ts=ts,
    )


def test_author_cap_counts_per_period() -> None:
    cfg = CampaignConfig(author_cap=2, author_period_seconds=60)
    cap = AuthorCap()
    assert [cap.capped("@a", 10.0 + i, cfg) for i in range(4)] == [False, False, True, True]
    assert not cap.capped("@b", 15.0, cfg)
    assert not cap.capped("@a", 61.0, cfg)  # a new period
    assert not cap.capped("@a", 30.0, cfg)  # a late post of the last period: never capped
    assert not cap.capped(None, 62.0, cfg)
    back = AuthorCap.from_json(cap.to_json())
    assert back.capped("@a", 62.0, cfg) is False and back.capped("@a", 63.0, cfg) is True


def test_author_cap_is_bounded_and_never_caps_falsely() -> None:
    cfg = CampaignConfig(author_cap=3, max_authors=10)
    cap = AuthorCap()
    flags = [cap.capped("@spam", 0.0, cfg) for _ in range(5)]
    flags += [cap.capped(f"@u{i}", 1.0, cfg) for i in range(50)]
    assert flags[:5] == [False, False, False, True, True] and not any(flags[5:])
    assert len(cap.counts) <= 11 and cap.counts["@spam"] == 5


def test_mix_counts_organic_and_inauthentic_and_merges() -> None:
    a, b = Mix(), Mix()
    count(a, 1, ts=5.0)
    count(a, 2, copy=True, cluster=7, ts=3.0)
    count(a, 3, capped=True, sentiment="positive", ts=4.0)
    count(b, 4, copy=True, cluster=7, ts=1.0)
    count(b, 5, sentiment="neutral", ts=9.0)
    a.merge(b)
    assert (a.mentions, a.organic, a.copies, a.capped) == (5, 2, 2, 1)
    assert (a.negative, a.organic_negative, a.positive) == (3, 1, 1)
    assert a.clusters == {"7": 2} and a.cluster_samples["7"]["id"] == "m2"
    assert a.first is not None and a.first["id"] == "m4"
    assert a.first_negative is not None and a.first_negative["id"] == "m4"
    back = Mix.from_json(a.to_json())
    assert back.to_json() == a.to_json()


def test_a_burst_of_copies_is_coordinated() -> None:
    mix = Mix()
    for i in range(10):
        count(mix, i)
    for i in range(30):
        count(mix, 100 + i, copy=True, cluster=3)
    v = classify(mix, expected=10.0)
    assert v.coordinated and v.organic == 10 and v.inauthentic == 30
    assert v.top_cluster == 3 and v.top_cluster_copies == 30


def test_an_organic_rise_with_a_few_copies_is_not() -> None:
    mix = Mix()
    for i in range(60):
        count(mix, i)
    for i in range(9):
        count(mix, 100 + i, copy=True, cluster=3)
    assert not classify(mix, expected=10.0).coordinated


def test_scattered_single_repeats_are_not_a_campaign() -> None:
    mix = Mix()
    for i in range(20):
        count(mix, i, copy=True, cluster=i)  # twenty texts, each repeated once
    assert not classify(mix, expected=2.0).coordinated


def test_the_usual_share_of_copies_is_not_a_campaign() -> None:
    mix = Mix()
    for i in range(200):
        count(mix, i)
    for i in range(20):
        count(mix, 300 + i, copy=True, cluster=1 + i % 2)
    # a big brand where a tenth of the posts are copies as a rule
    assert not classify(mix, expected=220.0, usual_share=0.1).coordinated
    assert classify(mix, expected=220.0, usual_share=0.0).coordinated
