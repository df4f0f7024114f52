"""The worker's /metrics as tests and the demo read it: one value per sample line."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from streams.devstack.workerproc import parse_metrics


def test_parse_metrics_keys_samples_as_their_lines_name_them() -> None:
    registry = CollectorRegistry()
    sent = Counter("x_sent", "sent", ["route", "note"], registry=registry)
    sent.labels(route="it-hook", note='a "quoted" \\ value').inc(3)
    Gauge("x_open", "open", registry=registry).set(2)
    latency = Histogram("x_seconds", "latency", ["stage"], buckets=(0.1, 1.0), registry=registry)
    latency.labels(stage="enrich").observe(0.05)
    latency.labels(stage="enrich").observe(0.5)

    text = generate_latest(registry).decode()
    got = parse_metrics(text)

    assert got['x_sent_total{note="a \\"quoted\\" \\\\ value",route="it-hook"}'] == 3.0
    assert got["x_open"] == 2.0
    assert got['x_seconds_bucket{le="0.1",stage="enrich"}'] == 1.0
    assert got['x_seconds_bucket{le="1.0",stage="enrich"}'] == 2.0
    assert got['x_seconds_bucket{le="+Inf",stage="enrich"}'] == 2.0
    assert got['x_seconds_count{stage="enrich"}'] == 2.0
    assert got['x_seconds_sum{stage="enrich"}'] == 0.55
    # every sample line of the text is one key, under the name the line starts with
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert sorted(got) == sorted(line.rpartition(" ")[0] for line in lines)
