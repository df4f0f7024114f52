"""Near-duplicate clusters: copies join, different posts do not, memory stays bounded."""

from __future__ import annotations

import orjson
import pytest

from streams.crisis import tokens
from streams.crisis.duplicates import DuplicateConfig, NearDuplicates, minhash

TEXT = "the customer service of this company ignored my complaint for three whole weeks"


def words(text: str) -> set[str]:
    return tokens.dup_words(tokens.words(text))


def test_minhash_estimates_jaccard_and_is_deterministic() -> None:
    a = words(TEXT)
    b = set(a)
    b.discard("three")
    b.add("four")
    jaccard = len(a & b) / len(a | b)
    sig_a, sig_b = minhash(a, 128), minhash(b, 128)
    assert float((sig_a == sig_b).mean()) == pytest.approx(jaccard, abs=0.1)
    assert minhash(a).tolist() == minhash(set(sorted(a))).tolist()
    # CRC-32, not hash(): the same signature in every process (fixed here)
    assert minhash({"acme"}, 4).tolist() == minhash({"acme"}, 4).tolist()


def test_copies_join_one_cluster_and_others_do_not() -> None:
    nd = NearDuplicates()
    first = nd.observe(words("@acme " + TEXT), 1000.0)
    assert (first.cluster, first.size, first.copy) == (1, 1, False)
    copy = nd.observe(words(TEXT.replace("whole", "wohle") + " #boycott 😡"), 1010.0)
    assert copy.cluster == 1 and copy.size == 2 and copy.copy
    other = nd.observe(
        words("loving the new phone from acme, the camera is great in low light"), 1020.0
    )
    assert other.cluster == 2 and not other.copy
    assert nd.size_of(1) == 2


def test_short_posts_are_never_copies() -> None:
    nd = NearDuplicates()
    for i in range(5):
        m = nd.observe(words("@acme down again?"), 1000.0 + i)
        assert m.cluster is None and not m.copy


def test_a_cluster_expires_after_the_horizon() -> None:
    nd = NearDuplicates(DuplicateConfig(horizon_seconds=600))
    nd.observe(words(TEXT), 1000.0)
    late = nd.observe(words(TEXT), 1000.0 + 601)
    assert not late.copy and late.cluster == 2


def test_capacity_keeps_the_recently_seen_clusters() -> None:
    nd = NearDuplicates(DuplicateConfig(capacity=4))
    nd.observe(words(TEXT), 1000.0)
    for i in range(10):
        nd.observe(words(" ".join(f"w{i}x{j}" for j in range(8))), 1001.0 + i)
        nd.observe(words(TEXT), 1001.5 + i)  # the campaign keeps its cluster alive
    assert len(nd) == 4
    assert nd.observe(words(TEXT), 1100.0).cluster == 1


def test_json_state_round_trips_and_is_compact() -> None:
    nd = NearDuplicates()
    for i in range(200):
        nd.observe(words(f"post {i} " + " ".join(f"w{i}x{j}" for j in range(8))), 1000.0 + i)
    nd.observe(words(TEXT), 2000.0)
    data = orjson.loads(orjson.dumps(nd.to_json()))
    assert len(orjson.dumps(data)) < 8_000  # 128 clusters
    back = NearDuplicates.from_json(data)
    assert len(back) == 128 and back.next_id == nd.next_id
    m = back.observe(words(TEXT), 2001.0)
    assert m.copy and m.cluster == nd.next_id - 1
    # a smaller capacity keeps the most recent clusters
    small = NearDuplicates.from_json(data, DuplicateConfig(capacity=10))
    assert len(small) == 10 and small.observe(words(TEXT), 2002.0).copy
    assert len(NearDuplicates.from_json(data, DuplicateConfig(num_perm=16))) == 0
