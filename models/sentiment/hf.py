"""Any Hugging Face sequence-classification model as a sentiment backend, offline.

``HuggingFaceSentiment("cardiffnlp/twitter-xlm-roberta-base-sentiment-multilingual")`` loads from
the local Hugging Face cache (``HF_HUB_OFFLINE=1``: nothing is downloaded at run time) or from a
local folder. The model's labels are mapped onto negative/neutral/positive: by name when they
say so (``negative``, ``NEG``, ``1 star`` ... ``5 stars``), else by an explicit ``label_map``.
A model without a neutral class gets neutral = 0. CPU or GPU is chosen automatically; fp16 on
GPU. Needs the ``torch`` extra (``pip install 'buzzwire[torch]'``): without it, loading fails
with ``torch_extra.TorchExtraMissing``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from models.sentiment.base import LABELS, SentimentResult, result_from_probs

_STARS = re.compile(r"^\s*([1-5])\s*stars?\s*$", re.IGNORECASE)


def infer_label_map(id2label: Mapping[int, str]) -> dict[int, str]:
    """Map class ids to negative/neutral/positive from the model's own label names."""
    out: dict[int, str] = {}
    for idx, name in id2label.items():
        low = name.strip().lower()
        stars = _STARS.match(low)
        if stars:
            n = int(stars.group(1))
            out[int(idx)] = "negative" if n <= 2 else "neutral" if n == 3 else "positive"
        elif low.startswith("neg"):
            out[int(idx)] = "negative"
        elif low.startswith("neu"):
            out[int(idx)] = "neutral"
        elif low.startswith("pos"):
            out[int(idx)] = "positive"
        else:
            raise ValueError(
                f"cannot tell what label {name!r} means; give a label map, e.g. "
                "BUZZWIRE_SENTIMENT_LABEL_MAP='LABEL_0=negative,LABEL_1=neutral,LABEL_2=positive'"
            )
    if not {"negative", "positive"} <= set(out.values()):
        raise ValueError(f"labels {dict(id2label)} lack a negative or a positive class")
    return out


def parse_label_map(spec: str, id2label: Mapping[int, str]) -> dict[int, str]:
    """``"LABEL_0=negative,LABEL_1=neutral,..."`` (names or ids) -> {class id: our label}."""
    by_name = {name: int(idx) for idx, name in id2label.items()}
    out: dict[int, str] = {}
    for item in filter(None, (p.strip() for p in spec.split(","))):
        key, _, value = item.partition("=")
        key, value = key.strip(), value.strip().lower()
        if value not in LABELS:
            raise ValueError(f"label map entry {item!r}: {value!r} is not one of {LABELS}")
        if key in by_name:
            out[by_name[key]] = value
        elif key.isdigit() and int(key) in id2label:
            out[int(key)] = value
        else:
            raise ValueError(f"label map entry {item!r}: the model has no label {key!r}")
    if set(out) != {int(i) for i in id2label}:
        raise ValueError(f"label map {spec!r} does not cover every label of {dict(id2label)}")
    return out


class HuggingFaceSentiment:
    def __init__(
        self,
        model: str,
        *,
        label_map: str | Mapping[int, str] | None = None,
        device: str | None = None,
        max_length: int = 128,
        batch_size: int = 64,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from models.sentiment.torch_extra import require_torch

        torch = require_torch(f"the Hugging Face model {model!r}")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self._torch = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.model = AutoModelForSequenceClassification.from_pretrained(model, dtype=dtype)
        self.model.to(self.device).eval()
        id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        if label_map is None:
            mapping = infer_label_map(id2label)
        elif isinstance(label_map, str):
            mapping = parse_label_map(label_map, id2label)
        else:
            mapping = {int(k): v for k, v in label_map.items()}
        # Matrix that sums class probabilities into (negative, neutral, positive).
        self._fold = torch.zeros(len(id2label), 3)
        for idx, label in mapping.items():
            self._fold[idx, LABELS.index(label)] = 1.0
        self._fold = self._fold.to(self.device)
        self.max_length = max_length
        self.batch_size = batch_size
        self.name = f"hf:{model}"
        self.version = str(getattr(self.model.config, "_commit_hash", None) or "local")

    #: torch computes with the GIL released: run it in a thread, off the event loop.
    releases_gil = True

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[SentimentResult]:
        torch = self._torch
        out: list[SentimentResult] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = list(texts[start : start + self.batch_size])
            enc: Any = self.tokenizer(
                chunk,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.device)
            with torch.inference_mode():
                logits = self.model(**enc).logits.float()
                probs = torch.softmax(logits, dim=-1) @ self._fold
            out.extend(result_from_probs(row) for row in probs.cpu().tolist())
        return out
