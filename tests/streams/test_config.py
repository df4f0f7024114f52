from __future__ import annotations

import pytest
from pydantic import ValidationError

from streams.config import Settings, sample_brands_path


def test_faust_env_vars_are_read_without_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKER_URL", "kafka://10.0.0.5:9093;kafka://10.0.0.6:9093")
    monkeypatch.setenv("WEB_PORT", "7070")
    s = Settings()
    assert s.broker_url == "kafka://10.0.0.5:9093;kafka://10.0.0.6:9093"
    assert s.bootstrap_servers == "10.0.0.5:9093,10.0.0.6:9093"
    assert s.web_port == 7070


def test_prefixed_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUZZWIRE_TOPIC_PREFIX", "tenant1.")
    monkeypatch.setenv("BUZZWIRE_TOPIC_PARTITIONS", "12")
    monkeypatch.setenv("BUZZWIRE_KAFKA_PASSWORD", "hunter2")
    s = Settings()
    assert s.topic("mentions.raw") == "tenant1.mentions.raw"
    assert s.topic_partitions == 12
    assert s.kafka_password is not None
    assert s.kafka_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(s)


def test_settings_are_frozen_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    with pytest.raises(ValidationError):
        s.topic_partitions = 3  # type: ignore[misc]
    monkeypatch.setenv("BROKER_URL", "localhost:9092")
    with pytest.raises(ValidationError, match="kafka://"):
        Settings()


def test_producer_compression_is_a_kafka_codec_or_none() -> None:
    assert Settings(producer_compression="none").compression_type is None
    assert Settings(producer_compression="gzip").compression_type == "gzip"
    with pytest.raises(ValidationError, match="producer_compression"):
        Settings(producer_compression="brotli")  # type: ignore[arg-type]


def test_default_brands_file_ships_with_the_package() -> None:
    assert Settings().brands == sample_brands_path()
    assert sample_brands_path().is_file()


async def test_worker_consumers_wait_at_most_the_configured_fetch_time() -> None:
    from streams.pipeline.app import app, set_fetch_max_wait

    set_fetch_max_wait(0.25)
    try:
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        assert consumer._fetch_max_wait_ms == 250
    finally:
        set_fetch_max_wait(Settings().consumer_fetch_max_wait_seconds)
    consumer = app.consumer._thread._create_worker_consumer(app.transport)
    assert consumer._fetch_max_wait_ms == 100
    # the agents commit in transactions: nothing of an aborted batch may be read
    assert consumer._isolation_level == "read_committed"


def test_the_default_detector_threshold_is_the_detectors_own() -> None:
    """Settings import nothing from the domains, so the default is written twice: keep them
    equal."""
    from streams.crisis.detector import DEFAULT_CONFIG

    assert Settings().alert_detector_threshold == DEFAULT_CONFIG.alert_threshold


def test_window_lateness_reads_its_earlier_name_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUZZWIRE_CRISIS_LATENESS_SECONDS", "900")
    assert Settings().window_lateness_seconds == 900
    monkeypatch.setenv("BUZZWIRE_WINDOW_LATENESS_SECONDS", "60")
    assert Settings().window_lateness_seconds == 60


def test_a_wildcard_proxy_is_refused() -> None:
    with pytest.raises(ValidationError, match="pick their own"):
        Settings(ui_forwarded_allow_ips="*")
    assert Settings(ui_forwarded_allow_ips="10.0.0.0/8").ui_forwarded_allow_ips == "10.0.0.0/8"
