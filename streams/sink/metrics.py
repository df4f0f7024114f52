"""The sink's metrics, created against a registry that the caller passes in.

Names carry their unit; labels are a table, a topic, an error kind or a dead-letter reason,
each from a short fixed list.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class SinkMetrics:
    registry: CollectorRegistry
    records: Counter
    rows_written: Counter
    batch_seconds: Histogram
    lag: Gauge
    db_errors: Counter
    paused: Gauge
    deadletters: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> SinkMetrics:
        return cls(
            registry=registry,
            records=Counter(
                "buzzwire_sink_records",
                "Kafka records the sink read, by topic",
                ["topic"],
                registry=registry,
            ),
            rows_written=Counter(
                "buzzwire_sink_rows_written",
                "Rows the sink inserted or updated, by table (re-deliveries write none)",
                ["table"],
                registry=registry,
            ),
            batch_seconds=Histogram(
                "buzzwire_sink_batch_seconds",
                "Seconds to store one batch (database write and commit)",
                buckets=BATCH_BUCKETS,
                registry=registry,
            ),
            lag=Gauge(
                "buzzwire_sink_lag_messages",
                "Records not yet stored, by topic (this sink's partitions)",
                ["topic"],
                registry=registry,
            ),
            db_errors=Counter(
                "buzzwire_sink_db_errors",
                "Database errors, by kind: unavailable (server down or connection lost, the "
                "batch is retried), rejected_row (dead-lettered), schema, other",
                ["kind"],
                registry=registry,
            ),
            paused=Gauge(
                "buzzwire_sink_paused",
                "1 while the sink waits for the database to come back",
                registry=registry,
            ),
            deadletters=Counter(
                "buzzwire_sink_deadletters",
                "Records sent to store.deadletter, by reason",
                ["reason"],
                registry=registry,
            ),
        )
