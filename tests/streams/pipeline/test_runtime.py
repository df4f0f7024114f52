"""The runtime's alert configuration follows the settings."""

from __future__ import annotations

from streams.config import Settings
from streams.pipeline.runtime import alert_config


def test_crisis_scales_reach_the_alert_configuration() -> None:
    assert alert_config(Settings(crisis_scales="1,3")).scales == (1, 3)
    assert alert_config(Settings()).scales == (1, 5, 15)
