"""The campaign benchmark, small and fast: injected copy-paste campaigns are flagged
coordinated, organic traffic is not, and counting organic mentions only keeps the campaigns
from opening crisis threads."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks import load_benchmark

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "streams" / "data" / "sample_mentions.jsonl"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("campaigns")


def test_paraphrase_keeps_a_copy_recognisable(bench: ModuleType) -> None:
    import random

    from streams.crisis import tokens
    from streams.crisis.duplicates import minhash

    rng = random.Random(3)
    text = "the customer service of this company ignored my complaint for three whole weeks now"
    base = minhash(tokens.dup_words(tokens.words(text)))
    sims = []
    for _ in range(50):
        copy = bench.paraphrase(text, rng)
        assert copy != text
        sig = minhash(tokens.dup_words(tokens.words(copy)))
        sims.append(float((sig == base).mean()))
    assert sum(s >= 0.5 for s in sims) >= 45


def test_flag_precision_and_recall_on_the_bundled_sample(bench: ModuleType) -> None:
    posts = bench.load_posts(SAMPLE)
    assert len(posts) > 2000
    results = []
    for seed in (1, 2, 3):
        events, truths = bench.simulate(seed, 150, posts, hours=34)
        assert sum(t.kind == "campaign" for t in truths) == 2
        results.append(bench.run_one(events, truths, 300))
    s = bench.summarise(results)
    assert s["recall"] >= 0.9, s
    assert s["precision"] >= 0.9, s
    # counted as organic, the copies open no crisis thread
    assert s["campaign_threads_organic"] == 0, s
    # the state as saved, its term baseline as held (up to 4,096 terms)
    assert s["state_bytes_max"] < 128_000, s
