"""Decayed heavy hitters: bounded, decaying, never under-counting a key held."""

from __future__ import annotations

import random

import pytest

from streams.crisis.sketches import DecayedTopK


def test_counts_decay_by_half_each_half_life() -> None:
    s = DecayedTopK(k=8, half_life=60.0)
    s.add(["a"], s.weight(1000.0))
    s.add(["a"], s.weight(1000.0))
    assert s.get("a", 1000.0) == pytest.approx(2.0)
    assert s.get("a", 1060.0) == pytest.approx(1.0)
    assert s.get("a", 1120.0) == pytest.approx(0.5)
    # an item seen later weighs more: recent counts as one
    s.add(["b"], s.weight(1120.0))
    assert s.get("b", 1120.0) == pytest.approx(1.0)


def test_renormalising_keeps_the_counts() -> None:
    s = DecayedTopK(k=8, half_life=1.0)
    s.add(["a"], s.weight(0.0))
    s.add(["a"], s.weight(100.0))  # e^(69): renormalised on the way
    assert s.t0 == 100.0
    assert s.get("a", 100.0) == pytest.approx(1.0)


def test_heavy_keys_survive_pruning_and_counts_are_upper_bounds() -> None:
    rng = random.Random(1)
    s = DecayedTopK(k=16, half_life=1e9)
    truth: dict[str, int] = {}
    for _ in range(20_000):
        key = f"h{rng.randrange(5)}" if rng.random() < 0.5 else f"n{rng.randrange(5000)}"
        truth[key] = truth.get(key, 0) + 1
        s.add([key], s.weight(0.0))
    assert len(s.counts) <= 4 * 16
    for i in range(5):
        key = f"h{i}"
        assert key in s.counts
        assert truth[key] <= s.get(key, 0.0) <= truth[key] + s.floor + 1e-6
    # a key not held has at most the floor
    rare = min((k for k in truth if k not in s.counts), key=truth.__getitem__)
    assert truth[rare] <= s.floor + 1e-6


def test_json_round_trip_is_bounded() -> None:
    s = DecayedTopK(k=4, half_life=60.0)
    for i in range(40):
        s.add([f"k{i % 10}"], s.weight(float(i)))
    data = s.to_json()
    assert len(data["c"]) <= 4
    back = DecayedTopK.from_json(data, 4, 60.0)
    for key in data["c"]:
        assert back.get(key, 50.0) == pytest.approx(s.get(key, 50.0), abs=0.01)


def test_json_counts_are_decayed_to_the_newest_item() -> None:
    # forward decay stores weights that grow with time; the JSON holds today's counts
    s = DecayedTopK(k=4, half_life=60.0)
    for i in range(100):
        s.add(["a"], s.weight(i * 30.0))
    data = s.to_json()
    assert data["t0"] == 99 * 30.0
    assert data["c"]["a"] == pytest.approx(s.get("a", 99 * 30.0), abs=0.01)
    assert data["c"]["a"] < 5
    back = DecayedTopK.from_json(data, 4, 60.0)
    assert back.get("a", 3000.0) == pytest.approx(s.get("a", 3000.0), abs=0.01)
