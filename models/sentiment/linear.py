"""Fast multilingual linear sentiment model: hashed n-grams + multinomial logistic regression.

Pipeline for one post (``LinearSentiment.predict``):

1. ``normalize_for_sentiment`` (``models/sentiment/preprocess.py``): handles -> ``@user``,
   links -> ``http``, elongations collapsed, emoji spaced out, lower-cased.
2. Features, all hashed with scikit-learn's ``HashingVectorizer`` (no vocabulary to ship):
   char 2-5-grams within word boundaries (``char_wb``, 2**20 buckets) and word uni+bigrams
   (2**19 buckets; tokens are words, ``@user``/``#tag``, single punctuation marks and emoji).
   Each block is sublinear-tf * idf weighted and L2-normalised; idf is a per-bucket vector
   learned from the training set, zero for buckets never seen in training (so, as with a
   vocabulary-based TF-IDF, n-grams the model never saw do not dilute the others).
   Optionally a one-hot block for the post's language (the pipeline knows it from language
   identification); measured no better, so the shipped model has none.
3. Scores: ``softmax(x @ W + b)`` over ``negative``/``neutral``/``positive``.

Storage is safe: ``weights.safetensors`` (float16 coefficients and idf, float32 intercept) and
``config.json`` (feature settings, labels, languages, name/version).  Nothing is unpickled.
The in-memory model after ``fit`` already holds the float16-rounded values, so a save/load
round-trip gives exactly the same scores.

``predict`` only reads the model, so one instance can be shared between threads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from models.sentiment.base import LABELS, SentimentResult, check_batch
from models.sentiment.preprocess import EmojiMode, normalize_for_sentiment

__all__ = ["LABELS", "FeatureConfig", "LinearSentiment", "SentimentResult"]

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
FORMAT_VERSION = 1
WORD_TOKEN_PATTERN = r"(?u)[@#]?\w+|[^\w\s]"


@dataclass(frozen=True)
class FeatureConfig:
    """Feature settings; stored in ``config.json`` next to the weights."""

    char_analyzer: str = "char_wb"
    char_ngram: tuple[int, int] = (2, 5)
    char_bits: int = 20
    word_ngram: tuple[int, int] | None = (1, 2)
    word_bits: int = 19
    word_weight: float = 1.0
    sublinear_tf: bool = True
    min_df: int = 1
    langs: tuple[str, ...] = ()
    lowercase: bool = True
    emoji_mode: EmojiMode = "keep"
    arabic: bool = True
    collapse_pairs: bool = True

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        for key in ("char_ngram", "word_ngram", "langs"):
            if kwargs.get(key) is not None:
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)


@dataclass
class _Featurizer:
    config: FeatureConfig
    idf: list[np.ndarray] = field(default_factory=list)
    vectorizers: list[HashingVectorizer] = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        vecs = [
            HashingVectorizer(
                analyzer=cfg.char_analyzer,
                ngram_range=cfg.char_ngram,
                n_features=2**cfg.char_bits,
                alternate_sign=False,
                norm=None,
                lowercase=False,
                dtype=np.float32,
            )
        ]
        if cfg.word_ngram is not None:
            vecs.append(
                HashingVectorizer(
                    analyzer="word",
                    ngram_range=cfg.word_ngram,
                    token_pattern=WORD_TOKEN_PATTERN,
                    n_features=2**cfg.word_bits,
                    alternate_sign=False,
                    norm=None,
                    lowercase=False,
                    dtype=np.float32,
                )
            )
        self.vectorizers = vecs
        self._lang_index = {lang: i for i, lang in enumerate(self.config.langs)}

    @property
    def n_features(self) -> int:
        return sum(int(v.n_features) for v in self.vectorizers) + len(self.config.langs)

    def normalize(self, texts: Sequence[str]) -> list[str]:
        cfg = self.config
        return [
            normalize_for_sentiment(
                t,
                lowercase=cfg.lowercase,
                emoji_mode=cfg.emoji_mode,
                arabic=cfg.arabic,
                collapse_pairs=cfg.collapse_pairs,
            )
            for t in texts
        ]

    def raw_blocks(self, clean: Sequence[str]) -> list[sp.csr_matrix]:
        blocks = []
        for vec in self.vectorizers:
            x = vec.transform(clean).tocsr()
            if self.config.sublinear_tf:
                np.log(x.data, out=x.data)
                x.data += 1.0
            blocks.append(x)
        return blocks

    def fit_idf(self, blocks: Sequence[sp.csr_matrix]) -> None:
        self.idf = []
        for x in blocks:
            n_docs, n_feat = x.shape
            df = np.bincount(x.indices, minlength=n_feat)
            idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
            idf[df < max(1, self.config.min_df)] = 0.0
            # stored as float16: keep exactly the values that will be saved
            self.idf.append(idf.astype(np.float16).astype(np.float32))

    def transform(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> sp.csr_matrix:
        return self.finish(self.raw_blocks(self.normalize(texts)), langs)

    def finish(
        self, blocks: Sequence[sp.csr_matrix], langs: Sequence[str | None] | None
    ) -> sp.csr_matrix:
        out = []
        for i, (x, idf) in enumerate(zip(blocks, self.idf, strict=True)):
            x = x.copy()
            x.data *= idf[x.indices]
            sq = np.asarray(x.multiply(x).sum(axis=1)).ravel()
            scale = np.zeros_like(sq)
            nz = sq > 0
            scale[nz] = 1.0 / np.sqrt(sq[nz])
            if i > 0:
                scale *= self.config.word_weight
            x.data *= np.repeat(scale, np.diff(x.indptr)).astype(np.float32)
            out.append(x)
        if self.config.langs:
            n = blocks[0].shape[0]
            rows, cols = [], []
            if langs is not None:
                for r, lang in enumerate(langs):
                    j = self._lang_index.get(lang) if lang else None
                    if j is not None:
                        rows.append(r)
                        cols.append(j)
            out.append(
                sp.csr_matrix(
                    (np.ones(len(rows), dtype=np.float32), (rows, cols)),
                    shape=(n, len(self.config.langs)),
                )
            )
        return sp.hstack(out, format="csr", dtype=np.float32)

    def logits(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None,
        coef: np.ndarray,
        intercept: np.ndarray,
    ) -> np.ndarray:
        """``finish(...) @ coef + intercept`` computed straight from the hashed blocks.

        Same arithmetic as ``finish`` but with plain numpy (gather + bincount): scipy's
        per-call overhead dominated small batches.
        """
        blocks = self.raw_blocks(self.normalize(texts))
        n = len(texts)
        z = np.zeros((n, coef.shape[1]), dtype=np.float64)
        offset = 0
        for i, (x, idf) in enumerate(zip(blocks, self.idf, strict=True)):
            width = x.shape[1]
            if x.nnz:
                rows = np.repeat(np.arange(n), np.diff(x.indptr))
                data = x.data * idf[x.indices]
                sq = np.bincount(rows, weights=data * data, minlength=n)
                scale = np.zeros(n)
                nz = sq > 0
                scale[nz] = 1.0 / np.sqrt(sq[nz])
                if i > 0:
                    scale *= self.config.word_weight
                contrib = coef[offset + x.indices] * data[:, None]
                for k in range(coef.shape[1]):
                    z[:, k] += np.bincount(rows, weights=contrib[:, k], minlength=n) * scale
            offset += width
        if self.config.langs and langs is not None:
            for r, lang in enumerate(langs):
                j = self._lang_index.get(lang) if lang else None
                if j is not None:
                    z[r] += coef[offset + j]
        z += intercept
        return z


class LinearSentiment:
    """Hashed char/word n-gram logistic-regression sentiment classifier.

    ``predict(texts, langs=None)`` -> one ``SentimentResult(label, scores)`` per text; ``scores``
    has the keys ``negative``/``neutral``/``positive`` and sums to 1.  ``langs`` (the detected
    language of each text, ISO 639-1 or ``None``) is used only by models trained with a
    language block; otherwise it is ignored.
    """

    name = "linear-hashed-ngram-lr"

    def __init__(
        self,
        config: FeatureConfig,
        coef: np.ndarray,
        intercept: np.ndarray,
        idf: Sequence[np.ndarray],
        *,
        labels: Sequence[str] = LABELS,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if tuple(labels) != LABELS:
            raise ValueError(f"labels must be {LABELS}, got {tuple(labels)}")
        self.config = config
        self._feat = _Featurizer(config, [np.asarray(v, dtype=np.float32) for v in idf])
        coef = np.ascontiguousarray(coef, dtype=np.float32)
        if coef.shape != (self._feat.n_features, len(LABELS)):
            raise ValueError(f"coef shape {coef.shape} != ({self._feat.n_features}, 3)")
        self.coef = coef
        self.intercept = np.asarray(intercept, dtype=np.float32).reshape(len(LABELS))
        self.meta = dict(meta or {})
        digest = hashlib.sha256(self.coef.tobytes())
        digest.update(self.intercept.tobytes())
        for v in self._feat.idf:
            digest.update(v.tobytes())
        self.version = f"{FORMAT_VERSION}.{digest.hexdigest()[:12]}"

    # ------------------------------------------------------------------ training
    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        langs: Sequence[str | None] | None = None,
        sample_weight: np.ndarray | None = None,
        config: FeatureConfig | None = None,
        C: float = 10.0,
        max_iter: int = 3000,
        tol: float = 1e-6,
        seed: int = 13,
    ) -> LinearSentiment:
        """Train on ``texts`` with string ``labels`` (each one of ``LABELS``)."""
        from sklearn.linear_model import LogisticRegression

        config = config or FeatureConfig()
        feat = _Featurizer(config)
        blocks = feat.raw_blocks(feat.normalize(texts))
        feat.fit_idf(blocks)
        x = feat.finish(blocks, langs)
        index = {lab: i for i, lab in enumerate(LABELS)}
        y = np.array([index[lab] for lab in labels])
        clf = LogisticRegression(C=C, max_iter=max_iter, tol=tol, random_state=seed)
        clf.fit(x, y, sample_weight=sample_weight)
        coef = np.zeros((feat.n_features, len(LABELS)), dtype=np.float32)
        intercept = np.zeros(len(LABELS), dtype=np.float32)
        present = [int(c) for c in clf.classes_]
        if len(present) == len(LABELS):
            coef[:] = clf.coef_.T
            intercept[:] = clf.intercept_
        elif len(present) == 2:  # binary: sklearn keeps one vector for the second class
            coef[:, present[1]] = clf.coef_[0]
            intercept[present[1]] = clf.intercept_[0]
            missing = [i for i in range(len(LABELS)) if i not in present]
            intercept[missing] = -30.0
        else:
            raise ValueError("need at least two distinct labels")
        # the saved coefficients are float16: keep exactly those values in memory too
        coef = coef.astype(np.float16).astype(np.float32)
        meta = {"C": C, "seed": seed, "tol": tol, "n_iter": int(np.max(clf.n_iter_))}
        return cls(config, coef, intercept, feat.idf, meta=meta)

    # ------------------------------------------------------------------ inference
    def features(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> sp.csr_matrix:
        return self._feat.transform(texts, langs)

    def predict_proba(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """``(len(texts), 3)`` float64 probabilities in ``LABELS`` order."""
        check_batch(texts, langs)
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)))
        z = self._feat.logits(texts, langs, self.coef, self.intercept)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[SentimentResult]:
        proba = self.predict_proba(texts, langs)
        best = proba.argmax(axis=1)
        return [
            SentimentResult(
                LABELS[int(b)],
                {"negative": float(p[0]), "neutral": float(p[1]), "positive": float(p[2])},
            )
            for b, p in zip(best, proba, strict=True)
        ]

    # ------------------------------------------------------------------ storage
    def save(self, path: str | Path) -> Path:
        """Write ``weights.safetensors`` and ``config.json`` into the directory ``path``."""
        from safetensors.numpy import save_file

        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        tensors: dict[str, np.ndarray] = {
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept.astype(np.float32),
        }
        for i, v in enumerate(self._feat.idf):
            tensors[f"idf_{i}"] = v.astype(np.float16)
        save_file(tensors, str(out / WEIGHTS_FILE), metadata={"format": str(FORMAT_VERSION)})
        (out / WEIGHTS_FILE).chmod(0o644)  # safetensors creates it owner-only
        doc = {
            "name": self.name,
            "version": self.version,
            "format": FORMAT_VERSION,
            "labels": list(LABELS),
            "features": self.config.to_json(),
            "meta": self.meta,
        }
        (out / CONFIG_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        return out

    @classmethod
    def load(cls, path: str | Path) -> LinearSentiment:
        """Load a model written by ``save`` (safetensors + JSON only; no pickle)."""
        from safetensors.numpy import load_file

        src = Path(path)
        doc = json.loads((src / CONFIG_FILE).read_text())
        if doc.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported model format {doc.get('format')!r} in {src}")
        config = FeatureConfig.from_json(doc["features"])
        tensors = load_file(str(src / WEIGHTS_FILE))
        n_blocks = 1 + (config.word_ngram is not None)
        idf = [tensors[f"idf_{i}"].astype(np.float32) for i in range(n_blocks)]
        model = cls(
            config,
            tensors["coef"].astype(np.float32),
            tensors["intercept"],
            idf,
            labels=doc["labels"],
            meta=doc.get("meta"),
        )
        if doc.get("version") not in (None, model.version):
            raise ValueError(f"weights in {src} do not match the version in {CONFIG_FILE}")
        return model
