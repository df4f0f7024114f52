"""Every buzzwire metric, created against a registry that the caller passes in.

Names carry their unit (``_seconds``, ``_total``, ``_bytes``); labels stay low-cardinality:
brand ids (from the brands file), ISO 639-1 language codes, a tagged flag, a reason from a
fixed list. Never post ids or user ids.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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
    """Every metric of a worker. Gauges of a brand are exported by the worker that owns the
    brand's partition; ``forget`` drops them when the partition moves to another worker."""

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
    crisis_late: Counter
    crisis_windows_closed: Counter
    window_events_reapplied: Counter
    outputs_rejected: Counter
    messages_skipped: Counter
    transactions: Counter
    batch_retries: Counter
    stale_events: Counter
    superseded_records: Counter
    read_gaps: Counter
    window_mentions: Gauge
    window_expected: Gauge
    anomaly_score: Gauge
    negative_share: Gauge
    detector_lag: Gauge
    alerts: Counter
    alerts_open: Gauge
    alert_deliveries: Counter
    alert_delivery_seconds: Histogram
    alert_deadletters: Counter
    bench_mentions: Gauge
    bench_share_of_voice: Gauge
    bench_net_sentiment: Gauge
    bench_negative_share: Gauge
    bench_untagged_share: Gauge
    bench_velocity: Gauge
    bench_languages: Gauge

    def forget(self, label: str, values: set[str]) -> int:
        """Remove every gauge series whose ``label`` (``brand``, ``competitor_set``) is one of
        ``values``, so that a worker that lost a partition stops exporting stale values.
        Returns how many series were removed."""
        removed = 0
        for gauge in (getattr(self, f.name) for f in fields(self)):
            if not isinstance(gauge, Gauge):
                continue
            # a series' labels, in the gauge's label order (the public collect() API)
            doomed = {
                tuple(sample.labels.values())
                for family in gauge.collect()
                for sample in family.samples
                if sample.labels.get(label) in values
            }
            for labels in doomed:
                gauge.remove(*labels)
                removed += 1
        return removed

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
            crisis_late=Counter(
                "buzzwire_crisis_late_mentions_total",
                "Brand mentions that arrived after their window had closed (past the lateness "
                "tolerance): in mentions.enriched, but not counted in crisis windows.",
                ["brand"],
                registry=registry,
            ),
            crisis_windows_closed=Counter(
                "buzzwire_crisis_windows_closed_total",
                "Per-brand event-time windows closed and scored by the detectors.",
                registry=registry,
            ),
            outputs_rejected=Counter(
                "buzzwire_outputs_rejected_total",
                "Records the broker or the client refused for good (too large, corrupt), by "
                "topic; their input message is dead-lettered instead.",
                ["topic"],
                registry=registry,
            ),
            messages_skipped=Counter(
                "buzzwire_messages_skipped_total",
                "Input messages neither processed nor dead-lettered (even their dead letter was "
                "refused), by the topic of the refused record; each is logged with its offset.",
                ["topic"],
                registry=registry,
            ),
            transactions=Counter(
                "buzzwire_transactions_total",
                "Batch transactions of the agents by outcome: committed, or aborted (the batch "
                "is read again; nothing of it was visible).",
                ["outcome"],
                registry=registry,
            ),
            batch_retries=Counter(
                "buzzwire_batch_retries_total",
                "Batches an agent tried again after a failure (the broker unreachable, a "
                "transaction fenced or timed out), by agent; a failing batch is never skipped.",
                ["agent"],
                registry=registry,
            ),
            stale_events=Counter(
                "buzzwire_stale_events_total",
                "Input events an agent dropped because the consumer group moved on after they "
                "were fetched (a rebalance, or this worker evicted): their partitions are read "
                "again from the committed offsets by whichever worker owns them; by agent.",
                ["agent"],
                registry=registry,
            ),
            superseded_records=Counter(
                "buzzwire_superseded_records_total",
                "Fetched records that no agent processed because their partition was sought "
                "(to its committed offset, after a rebalance) after they were fetched: they "
                "are fetched again from there, in order.",
                registry=registry,
            ),
            read_gaps=Counter(
                "buzzwire_read_gaps_total",
                "Times an agent found that records of a partition had not reached it (the "
                "record it got was not the one after its last): the records from there on "
                "were dropped and the partition read again from its last one; by agent.",
                ["agent"],
                registry=registry,
            ),
            window_events_reapplied=Counter(
                "buzzwire_window_events_reapplied_total",
                "Brand events read again (a replay after a crash or a rebalance) that the brand's "
                "window state had counted already: skipped, not counted twice.",
                registry=registry,
            ),
            window_mentions=Gauge(
                "buzzwire_crisis_window_mentions",
                "Mentions in the brand's last closed window, by signal (volume: all mentions; "
                "negative: negative mentions).",
                ["brand", "signal"],
                registry=registry,
            ),
            window_expected=Gauge(
                "buzzwire_crisis_window_expected_mentions",
                "What the detector's baseline expected for the brand's last closed window.",
                ["brand", "signal"],
                registry=registry,
            ),
            anomaly_score=Gauge(
                "buzzwire_anomaly_score",
                "Anomaly score in [0, 1] of the brand's last closed window, by signal.",
                ["brand", "signal"],
                registry=registry,
            ),
            negative_share=Gauge(
                "buzzwire_crisis_negative_share_ratio",
                "Share of negative mentions in the brand's last closed window that had any.",
                ["brand"],
                registry=registry,
            ),
            detector_lag=Gauge(
                "buzzwire_detector_lag_seconds",
                "Wall-clock seconds from the end of the last window closed on a partition to "
                "now, when it was closed (window + lateness when live; more when replaying).",
                ["partition"],
                registry=registry,
            ),
            alerts=Counter(
                "buzzwire_alerts_total",
                "Alert events sent to the alerts topic, by brand, kind and event "
                "(opened, updated, reopened, resolved).",
                ["brand", "kind", "event"],
                registry=registry,
            ),
            alerts_open=Gauge(
                "buzzwire_alerts_open",
                "1 while the brand has an open alert thread of this kind.",
                ["brand", "kind"],
                registry=registry,
            ),
            alert_deliveries=Counter(
                "buzzwire_alert_deliveries_total",
                "Alert deliveries by route and outcome: per HTTP attempt delivered, retry or "
                "failed; rejected when dead-lettered without an attempt (queue full, shutdown).",
                ["route", "outcome"],
                registry=registry,
            ),
            alert_delivery_seconds=Histogram(
                "buzzwire_alert_delivery_seconds",
                "Seconds per alert delivery attempt (HTTP request), by route.",
                ["route"],
                buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
                registry=registry,
            ),
            alert_deadletters=Counter(
                "buzzwire_alert_deadletters_total",
                "Alert deliveries that kept failing, sent to alerts.deadletter, by reason.",
                ["reason"],
                registry=registry,
            ),
            bench_mentions=Gauge(
                "buzzwire_benchmark_mentions",
                "Mentions of the brand in its latest rolling window (event time).",
                ["brand", "window"],
                registry=registry,
            ),
            bench_share_of_voice=Gauge(
                "buzzwire_benchmark_share_of_voice_ratio",
                "The brand's share of the mentions of a competitor set (the set's brand and its "
                "competitors) in the latest rolling window.",
                ["brand", "competitor_set", "window"],
                registry=registry,
            ),
            bench_net_sentiment=Gauge(
                "buzzwire_benchmark_net_sentiment_ratio",
                "(positive - negative) / (positive + negative) mentions in the latest window.",
                ["brand", "window"],
                registry=registry,
            ),
            bench_negative_share=Gauge(
                "buzzwire_benchmark_negative_share_ratio",
                "Negative mentions / all mentions of the brand in the latest window.",
                ["brand", "window"],
                registry=registry,
            ),
            bench_untagged_share=Gauge(
                "buzzwire_benchmark_untagged_share_ratio",
                "Mentions naming the brand without tagging it / all, in the latest window.",
                ["brand", "window"],
                registry=registry,
            ),
            bench_velocity=Gauge(
                "buzzwire_benchmark_velocity_ratio",
                "Mentions in the latest window / mentions in the window before it.",
                ["brand", "window"],
                registry=registry,
            ),
            bench_languages=Gauge(
                "buzzwire_benchmark_language_mentions",
                "Mentions of the brand in the latest window in each of its top languages.",
                ["brand", "window", "lang"],
                registry=registry,
            ),
        )
