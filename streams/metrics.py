"""Every buzzwire metric, created against a registry that the caller passes in.

Names carry their unit (``_seconds``, ``_total``, ``_bytes``); labels stay low-cardinality:
brand ids (from the brands file), ISO 639-1 language codes, a tagged flag, a reason from a
fixed list. Never post ids or user ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

# Event time -> processed: posts can arrive late from collectors, so buckets reach hours.
LATENCY_BUCKETS = (
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    900.0,
    3600.0,
    21600.0,
)
BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    received: Counter
    processed: Counter
    brand_mentions: Counter
    deadletters: Counter
    duplicates: Counter
    rekeyed: Counter
    event_latency: Histogram
    batch_seconds: Histogram
    batch_size: Histogram
    dedup_keys: Gauge
    build: Info
    sentiment_scored: Counter
    sentiment_seconds: Histogram
    sentiment_fallback: Gauge
    sentiment_model: Info
    consumer_lag: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        return cls(
            registry=registry,
            received=Counter(
                "buzzwire_mentions_received_total",
                "Messages read from a mentions input topic, valid or not.",
                ["topic"],
                registry=registry,
            ),
            processed=Counter(
                "buzzwire_mentions_processed_total",
                "Valid, de-duplicated mentions written to mentions.enriched, by detected language "
                "and sentiment.",
                ["lang", "sentiment"],
                registry=registry,
            ),
            brand_mentions=Counter(
                "buzzwire_brand_mentions_total",
                "Brand matches in processed mentions, by brand, language and whether the "
                "brand's handle was tagged, and sentiment (a mention naming two brands counts "
                "for each).",
                ["brand", "lang", "tagged", "sentiment"],
                registry=registry,
            ),
            deadletters=Counter(
                "buzzwire_deadletters_total",
                "Messages sent to the dead-letter topic, by reason.",
                ["reason"],
                registry=registry,
            ),
            duplicates=Counter(
                "buzzwire_duplicates_total",
                "Mentions skipped because their id was already processed within the TTL.",
                registry=registry,
            ),
            rekeyed=Counter(
                "buzzwire_mentions_rekeyed_total",
                "Valid mentions whose Kafka key was not their id, re-sent keyed by id.",
                registry=registry,
            ),
            event_latency=Histogram(
                "buzzwire_event_to_processed_seconds",
                "Seconds from a mention's created_at (event time) to its enriched output.",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            batch_seconds=Histogram(
                "buzzwire_batch_processing_seconds",
                "Seconds to process one batch of mentions (validation to output).",
                ["stage"],
                buckets=BATCH_BUCKETS,
                registry=registry,
            ),
            batch_size=Histogram(
                "buzzwire_batch_size_mentions",
                "Mentions per processed batch.",
                buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500),
                registry=registry,
            ),
            dedup_keys=Gauge(
                "buzzwire_dedup_table_keys",
                "Mention ids currently remembered for de-duplication on this worker.",
                registry=registry,
            ),
            build=Info(
                "buzzwire_build",
                "Version of buzzwire and of the models this worker loaded.",
                registry=registry,
            ),
            sentiment_scored=Counter(
                "buzzwire_sentiment_scored_total",
                "Mentions scored for sentiment, by the model that scored them.",
                ["model"],
                registry=registry,
            ),
            sentiment_seconds=Histogram(
                "buzzwire_sentiment_inference_seconds",
                "Seconds of sentiment inference per batch, by model.",
                ["model"],
                buckets=BATCH_BUCKETS,
                registry=registry,
            ),
            sentiment_fallback=Gauge(
                "buzzwire_sentiment_fallback_active",
                "1 while consumer lag has switched sentiment to the fast linear model.",
                registry=registry,
            ),
            sentiment_model=Info(
                "buzzwire_sentiment_model",
                "The sentiment models this worker loaded (primary and fallback), with versions.",
                registry=registry,
            ),
            consumer_lag=Gauge(
                "buzzwire_consumer_lag_messages",
                "Messages behind the end of an input partition, after the last batch.",
                ["topic", "partition"],
                registry=registry,
            ),
        )
