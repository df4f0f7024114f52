"""What a worker loads once at start: the brands matcher, the language detector, limits.

Built when the worker starts (never at import), then shared by the agents. Heavy per-batch work
(language detection, brand matching) runs in a dedicated thread so the event loop keeps Kafka
heartbeats and commits flowing.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from models.langid import LanguageDetector
from streams.brands.catalog import BrandCatalog, load_brands
from streams.brands.logic import BrandMatcher
from streams.config import Settings
from streams.mentions.logic import Limits, Mention, choose_language, enriched_dict
from streams.metrics import Metrics

#: Mentions enriched between two yields to the event loop (~5 ms of work).
INLINE_SLICE = 64


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    catalog: BrandCatalog
    matcher: BrandMatcher
    detector: LanguageDetector
    limits: Limits
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")
    )

    def annotate(self, mentions: Sequence[Mention]) -> list[dict[str, Any]]:
        """Language and brands for a batch: the enriched JSON objects, in input order."""
        guesses = self.detector.predict([m.text for m in mentions])
        out = []
        for mention, guess in zip(mentions, guesses, strict=True):
            lang, confidence = choose_language(mention, guess)
            brands = self.matcher.match(mention.text, mention.reply_to_handle)
            out.append(enriched_dict(mention, lang, confidence, brands))
        return out

    async def annotate_async(self, mentions: Sequence[Mention]) -> list[dict[str, Any]]:
        """Enrich a batch without stalling the event loop for long.

        Language detection and brand matching are pure Python (about 0.1 ms a mention) and
        hold the GIL: in a thread they would only make the event loop wait for the GIL at every
        socket call (measured: 3x lower throughput). So they run inline, in slices small
        enough to keep Kafka heartbeats and fetches flowing between them. Work that releases
        the GIL (model inference) goes to ``self.executor``.
        """
        out: list[dict[str, Any]] = []
        for start in range(0, len(mentions), INLINE_SLICE):
            out.extend(self.annotate(mentions[start : start + INLINE_SLICE]))
            await asyncio.sleep(0)
        return out


def build_runtime(settings: Settings, metrics: Metrics) -> Runtime:
    """Load everything a worker needs. Raises BrandsFileError on a broken brands file."""
    catalog = load_brands(settings.brands)
    detector = LanguageDetector(min_confidence=settings.lang_min_confidence)
    runtime = Runtime(
        settings=settings,
        metrics=metrics,
        catalog=catalog,
        matcher=BrandMatcher(catalog),
        detector=detector,
        limits=Limits(
            max_message_bytes=settings.max_message_bytes,
            max_text_chars=settings.max_text_chars,
            max_future_seconds=settings.max_future_seconds,
        ),
    )
    metrics.build.info(
        {
            "version": importlib.metadata.version("buzzwire"),
            "langid": detector.name,
            "brands": str(len(catalog.brands)),
        }
    )
    return runtime


_runtime: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def get_runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the worker runtime is not loaded (call streams.runtime.install)")
    return _runtime


def is_installed() -> bool:
    return _runtime is not None
