"""Topics of crisis detection. Names get the configured prefix (BUZZWIRE_TOPIC_PREFIX)."""

from __future__ import annotations

from streams.mentions.topics import pipeline_topic

#: One compact event per brand match of an enriched mention, keyed by brand id, so that all of a
#: brand's mentions meet on one partition (and its windows). Also carries clock ticks.
by_brand_topic = pipeline_topic("mentions.by-brand")
#: Alert events (JSON), keyed by brand id: opened / updated / reopened / resolved.
alerts_topic = pipeline_topic("alerts")
#: Alert deliveries that kept failing (webhook / Slack), with the reason and the alert.
alerts_deadletter_topic = pipeline_topic("alerts.deadletter")
