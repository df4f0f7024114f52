"""The one Faust app of buzzwire, with explicit autodiscovery of the domain packages.

Run a worker with ``buzzwire worker`` (or ``faust -A streams.app worker``).
"""

from __future__ import annotations

import ssl
from typing import Any

import faust
from faust.sensors.prometheus import setup_prometheus_sensors
from prometheus_client import CollectorRegistry

from streams.config import Settings, get_settings
from streams.metrics import Metrics

#: Domain packages scanned for agents, topics, tables and timers.
DOMAINS = ["streams.mentions"]


def _credentials(settings: Settings) -> Any:
    if settings.kafka_sasl_mechanism is None:
        return faust.SSLCredentials(ssl.create_default_context()) if settings.kafka_ssl else None
    password = settings.kafka_password.get_secret_value() if settings.kafka_password else ""
    return faust.SASLCredentials(
        username=settings.kafka_username or "",
        password=password,
        mechanism=settings.kafka_sasl_mechanism,
        ssl_context=ssl.create_default_context() if settings.kafka_ssl else None,
    )


def create_app(settings: Settings) -> faust.App:
    # BROKER_URL and WEB_PORT are read by Settings from the very env vars Faust reads, so the
    # explicit kwargs below and Faust's env override always carry the same values.
    return faust.App(
        settings.app_id,
        broker=settings.broker_url,
        broker_credentials=_credentials(settings),
        web_port=settings.web_port,
        web_bind=settings.web_bind,
        web_enabled=True,
        store=settings.table_store,
        topic_partitions=settings.topic_partitions,
        datadir=str(settings.data_dir),
        autodiscover=DOMAINS,
        origin="streams",
        # Our input topics carry raw bytes that we validate ourselves; never let Faust crash
        # on them.
        value_serializer="raw",
        key_serializer="raw",
        # Replaying history must start from the beginning of the topics.
        consumer_auto_offset_reset="earliest",
        producer_max_request_size=4 * 1024 * 1024,
        broker_max_poll_records=2000,
        stream_buffer_maxsize=8192,
    )


settings = get_settings()
app = create_app(settings)
registry = CollectorRegistry(auto_describe=True)
metrics = Metrics.create(registry)
# Faust's own sensor metrics (messages in/out, commit latency, rebalances, ...) and ours share
# one registry, served at /metrics on the worker's web port.
setup_prometheus_sensors(app, pattern="/metrics", registry=registry, name_prefix="faust")
