"""Near-duplicate clusters: copies join, different posts do not, memory stays bounded."""

from __future__ import annotations

import base64

import numpy as np
import orjson
import pytest

from streams.crisis import tokens
from streams.crisis.duplicates import DuplicateConfig, NearDuplicates, minhash

TEXT = "the customer service of this company ignored my complaint for three whole weeks"


def words(text: str) -> set[str]:
    return tokens.dup_words(tokens.words(text))


def distinct(i: int) -> str:
    """A post that shares no word with ``distinct(j)`` for another ``j``."""
    return " ".join(f"w{i}x{j}" for j in range(8))


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
    # a cluster's id is its first post's event time in milliseconds
    assert (first.cluster, first.size, first.copy) == (1_000_000, 1, False)
    copy = nd.observe(words(TEXT.replace("whole", "wohle") + " #boycott 😡"), 1010.0)
    assert copy.cluster == 1_000_000 and copy.size == 2 and copy.copy
    other = nd.observe(
        words("loving the new phone from acme, the camera is great in low light"), 1020.0
    )
    assert other.cluster == 1_020_000 and not other.copy
    assert nd.size_of(1_000_000) == 2


def test_short_posts_are_never_copies() -> None:
    nd = NearDuplicates()
    for i in range(5):
        m = nd.observe(words("@acme down again?"), 1000.0 + i)
        assert m.cluster is None and not m.copy


def test_a_cluster_expires_after_the_horizon() -> None:
    nd = NearDuplicates(DuplicateConfig(horizon_seconds=600))
    nd.observe(words(TEXT), 1000.0)
    late = nd.observe(words(TEXT), 1000.0 + 601)
    assert not late.copy and late.cluster == 1_601_000


def test_capacity_keeps_the_recently_seen_clusters() -> None:
    nd = NearDuplicates(DuplicateConfig(capacity=4))
    nd.observe(words(TEXT), 1000.0)
    for i in range(10):
        nd.observe(words(" ".join(f"w{i}x{j}" for j in range(8))), 1001.0 + i)
        nd.observe(words(TEXT), 1001.5 + i)  # the campaign keeps its cluster alive
    assert len(nd) == 4
    assert nd.observe(words(TEXT), 1100.0).cluster == 1_000_000


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


def test_ids_never_repeat_within_a_state_nor_after_it_is_lost() -> None:
    nd = NearDuplicates()
    given = [nd.observe(words(distinct(i)), 5000.0).cluster for i in range(5)]
    given += [nd.observe(words(distinct(10 + i)), 4000.0).cluster for i in range(2)]
    assert given == list(range(5_000_000, 5_000_007))  # same millisecond, or earlier: one more
    # the brand's state is lost: the ids start again from the event time, past the old ones
    fresh = NearDuplicates()
    again = fresh.observe(words(distinct(0)), 5000.0 + 60)
    assert again.cluster is not None and again.cluster > max(i for i in given if i is not None)


def test_a_state_saved_with_32_bit_ids_still_reads() -> None:
    nd = NearDuplicates()
    old_ids = []
    for i in range(3):
        old_ids.append(nd.observe(words(distinct(i)), 1000.0 + i).cluster)
    data = nd.to_json()
    ids = np.frombuffer(base64.b64decode(data.pop("ido")), "<u4") + data.pop("id0")
    data["id"] = base64.b64encode(ids.astype("<u4").tobytes()).decode("ascii")
    back = NearDuplicates.from_json(data)
    assert [back.observe(words(distinct(i)), 1010.0).cluster for i in range(3)] == old_ids


def test_ids_far_apart_are_saved_whole() -> None:
    forever = DuplicateConfig(horizon_seconds=1e9)
    nd = NearDuplicates(forever)
    first = nd.observe(words(distinct(0)), 1000.0).cluster
    later = nd.observe(words(distinct(1)), 1000.0 + 60 * 86400).cluster  # 60 days on
    data = orjson.loads(orjson.dumps(nd.to_json()))
    assert "id8" in data and "ido" not in data
    back = NearDuplicates.from_json(data, forever)
    assert back.observe(words(distinct(0)), 1000.0 + 60 * 86400 + 1).cluster == first
    assert back.observe(words(distinct(1)), 1000.0 + 60 * 86400 + 2).cluster == later
