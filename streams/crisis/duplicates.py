"""Near-duplicate posts of one brand: MinHash signatures over a bounded set of recent clusters.

Each post's distinct words (``streams.crisis.tokens.dup_words``: no hashtags, handles,
numbers, links or emoji, which copy-paste campaigns vary first) get a MinHash signature of
``num_perm`` 8-bit values. The share of equal values between two signatures estimates the
Jaccard similarity of their word sets; a post whose estimate against a recent cluster's
representative (its first post) reaches ``threshold`` joins that cluster, otherwise it starts
a new one. A post with fewer than ``min_words`` distinct words never joins or starts a
cluster: short posts ("@acme down again?") are alike by nature, not by copying.

Why not ``datasketch``: its MinHash is the same affine-hash scheme, but it is built per post
with per-object set-up (about twice the cost of the 20 lines here, measured), its LSH index
keeps full 32/64-bit signatures in pickled structures where the stream needs one compact JSON
value per brand, and with a few hundred clusters per brand an LSH index buys nothing over one
vectorised comparison with all of them (numpy, a few microseconds). SimHash would be smaller
(64 bits a post) but its Hamming distance is unreliable on short texts with a few words
changed, where MinHash's Jaccard estimate is not.

Memory is bounded: at most ``capacity`` clusters are kept; a cluster not seen for
``horizon_seconds`` no longer matches, and a new cluster takes the slot of the least recently
seen one when all are taken. A campaign that keeps posting keeps its cluster; with 128 slots a
brand's JSON state is about 7.5 KB (base64 arrays: 32 bytes of signature and 12 of id, size
and time a cluster).

Cluster ids are a clock, not a counter: a new cluster's id is its first post's event time in
milliseconds, or one more than the last id given if that is larger. The store keeps every
mention's cluster id, so ids must not repeat: a state that is lost (a changelog deleted, a
brand's state reset) starts again from the event time, past every id it gave before (unless
a brand started more than a thousand clusters a second), where a counter would start again
at 1 and join new posts to old clusters in the inbox.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DuplicateConfig", "Match", "NearDuplicates", "minhash"]

_SEED = 0x5EED_B022


@dataclass(frozen=True)
class DuplicateConfig:
    """How near-duplicates are found (the defaults are what ``benchmarks/campaigns.py``
    measured)."""

    num_perm: int = 32
    threshold: float = 0.5
    min_words: int = 6
    capacity: int = 128
    horizon_seconds: float = 3600.0


def _params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


_PARAMS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


_CRC: dict[str, int] = {}
_CRC_MAX = 100_000


def _crc(word: str) -> int:
    h = _CRC.get(word)
    if h is None:
        if len(_CRC) >= _CRC_MAX:
            _CRC.clear()
        h = _CRC[word] = zlib.crc32(word.encode("utf-8"))
    return h


def minhash(words: Iterable[str], num_perm: int = 32) -> np.ndarray:
    """The MinHash signature of a set of words: ``num_perm`` uint8 values.

    Each word is hashed with CRC-32 of its UTF-8 (deterministic across processes, unlike
    ``hash``; cached, words follow Zipf's law), then by ``num_perm`` multiply-shift hash
    functions (64-bit odd multipliers, upper 32 bits); each function's minimum keeps its low 8
    bits (b-bit minwise hashing, Li and König 2010: two different minima agree by chance once
    in 256, which adds 0.4% to every similarity and halves the state again).
    """
    params = _PARAMS.get(num_perm)
    if params is None:
        params = _PARAMS[num_perm] = _params(num_perm)
    a, b = params
    cached = _CRC.get
    hv = np.array([cached(w) or _crc(w) for w in words], dtype=np.uint64)
    if hv.size == 0:
        return np.zeros(num_perm, dtype=np.uint8)
    with np.errstate(over="ignore"):
        lowest = (hv[:, None] * a + b).min(axis=0)  # shifting after the min is the same
    return ((lowest >> np.uint64(32)) & np.uint64(0xFF)).astype(np.uint8)


@dataclass(frozen=True, slots=True)
class Match:
    """A post's near-duplicate cluster: its id (per brand), size with this post, and whether
    the post is a copy (a later member, not the cluster's first post)."""

    cluster: int | None
    size: int
    copy: bool
    similarity: float = 0.0


NO_MATCH = Match(None, 0, False)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(array.tobytes()).decode("ascii")


def _unb64(text: str, dtype: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()


class NearDuplicates:
    """A brand's recent near-duplicate clusters (pure; JSON state via ``to_json``)."""

    def __init__(self, config: DuplicateConfig | None = None) -> None:
        self.config = config or DuplicateConfig()
        k = self.config.num_perm
        self.sigs = np.zeros((0, k), dtype=np.uint8)
        self.ids = np.zeros(0, dtype=np.uint64)
        self.sizes = np.zeros(0, dtype=np.uint32)
        self.last = np.zeros(0, dtype=np.uint32)  # epoch seconds the cluster was last seen
        #: no id below this is given again (the last id given, plus one)
        self.next_id = 1

    def __len__(self) -> int:
        return int(self.ids.size)

    def observe(self, words: set[str] | frozenset[str], ts: float) -> Match:
        """Place a post (its ``dup_words``) at event time ``ts`` in a cluster."""
        cfg = self.config
        if len(words) < cfg.min_words:
            return NO_MATCH
        sig = minhash(words, cfg.num_perm)
        now = int(ts)
        if self.ids.size:
            sims = (self.sigs == sig).sum(axis=1)
            sims[self.last.astype(np.int64) < now - cfg.horizon_seconds] = -1
            best = int(sims.argmax())
            similarity = float(sims[best]) / cfg.num_perm
            if similarity >= cfg.threshold:
                self.sizes[best] += 1
                self.last[best] = max(int(self.last[best]), now)
                return Match(int(self.ids[best]), int(self.sizes[best]), True, similarity)
        cluster = max(self.next_id, int(ts * 1000))
        self.next_id = cluster + 1
        self._insert(sig, cluster, now)
        return Match(cluster, 1, False, 1.0)

    def _insert(self, sig: np.ndarray, cluster: int, now: int) -> None:
        if self.ids.size < self.config.capacity:
            self.sigs = np.vstack([self.sigs, sig[None, :]])
            self.ids = np.append(self.ids, np.uint64(cluster))
            self.sizes = np.append(self.sizes, np.uint32(1))
            self.last = np.append(self.last, np.uint32(max(now, 0)))
            return
        slot = int(self.last.argmin())  # the least recently seen cluster (or an expired one)
        self.sigs[slot] = sig
        self.ids[slot] = cluster
        self.sizes[slot] = 1
        self.last[slot] = max(now, 0)

    def size_of(self, cluster: int) -> int:
        hit = np.flatnonzero(self.ids == cluster)
        return int(self.sizes[hit[0]]) if hit.size else 0

    def to_json(self) -> dict[str, Any]:
        """Compact JSON: the arrays as base64 (little-endian as numpy stores them). The ids
        as 32-bit offsets ``ido`` from ``id0`` (the kept clusters' ids span far less than the
        49 days of milliseconds that holds), else as 64-bit ``id8``; a state saved with
        32-bit ``id`` counters still reads."""
        base = int(self.ids.min()) if self.ids.size else 0
        offsets = self.ids - np.uint64(base)
        ids: dict[str, Any] = (
            {"id0": base, "ido": _b64(offsets.astype("<u4"))}
            if not offsets.size or int(offsets.max()) < 2**32
            else {"id8": _b64(self.ids.astype("<u8"))}
        )
        return {
            "next": self.next_id,
            "k": self.config.num_perm,
            "sig": _b64(self.sigs),
            **ids,
            "n": _b64(self.sizes.astype("<u4")),
            "t": _b64(self.last.astype("<u4")),
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any] | None, config: DuplicateConfig | None = None
    ) -> NearDuplicates:
        out = cls(config)
        if not data:
            return out
        out.next_id = int(data.get("next", 1))
        k = out.config.num_perm
        if int(data.get("k", k)) != k:
            return out  # signatures of another size cannot be compared: start afresh
        if "ido" in data:
            ids = _unb64(data["ido"], "<u4").astype(np.uint64) + np.uint64(int(data["id0"]))
        elif "id8" in data:
            ids = _unb64(data["id8"], "<u8").astype(np.uint64)
        else:
            ids = _unb64(data["id"], "<u4").astype(np.uint64)
        sigs = _unb64(data["sig"], np.uint8).reshape(ids.size, k)
        sizes = _unb64(data["n"], "<u4").astype(np.uint32)
        last = _unb64(data["t"], "<u4").astype(np.uint32)
        keep = np.argsort(last, kind="stable")[-out.config.capacity :]  # the most recent
        keep.sort()
        out.sigs, out.ids, out.sizes, out.last = sigs[keep], ids[keep], sizes[keep], last[keep]
        return out
