"""Every topic of the pipeline. Names get the configured prefix (BUZZWIRE_TOPIC_PREFIX)."""

from __future__ import annotations

import faust

from streams.pipeline.app import app, settings


def pipeline_topic(name: str) -> faust.TopicT:
    """A raw-bytes topic of the pipeline, created (if missing) with our partition count."""
    # internal=True: Faust creates a missing topic with our partition count.
    return app.topic(
        settings.topic(name),
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.topic_partitions,
        internal=True,
    )


# ----------------------------------------------------------------------------- mentions
#: Mentions as collectors send them: JSON, keyed by mention id (see docs/records-and-topics.md).
raw_topic = pipeline_topic("mentions.raw")
#: Valid mentions whose key was not their id, re-sent keyed by id for de-duplication.
rekeyed_topic = pipeline_topic("mentions.rekeyed")
#: Every valid mention exactly once, with lang, lang_confidence and brands.
enriched_topic = pipeline_topic("mentions.enriched")
#: Enriched mentions that name a brand without tagging its handle (the response inbox).
untagged_topic = pipeline_topic("mentions.untagged")
#: Messages that could not be processed, with the original bytes, the reason and the source.
deadletter_topic = pipeline_topic("mentions.deadletter")

# ----------------------------------------------------------------------------- brand windows
#: One compact event per brand match of an enriched mention, keyed by brand id, so that all of a
#: brand's mentions meet on one partition (and its windows). Also carries clock ticks.
by_brand_topic = pipeline_topic("mentions.by-brand")
#: Alert events (JSON), keyed by brand id: opened / updated / reopened / resolved.
alerts_topic = pipeline_topic("alerts")
#: Alert deliveries that kept failing (webhook / Slack), with the reason and the alert.
alerts_deadletter_topic = pipeline_topic("alerts.deadletter")
#: Rolling benchmark records (JSON): per brand and window (keyed by brand), and share of voice
#: per competitor set and window (keyed by the set's brand).
benchmarks_topic = pipeline_topic("benchmarks")
#: Internal: each brand's window volumes, re-keyed by every competitor set it belongs to.
sets_topic = pipeline_topic("benchmarks.sets")
#: What each brand's insight state made of each brand event (``BUZZWIRE_CRISIS_INSIGHT``): the
#: mention's near-duplicate cluster and size, copy, capped, organic; keyed by brand id, for the
#: store (docs/records-and-topics.md).
duplicates_topic = pipeline_topic("mentions.duplicates")
