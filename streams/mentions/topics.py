"""Topics of the mentions domain. Names get the configured prefix (BUZZWIRE_TOPIC_PREFIX)."""

from __future__ import annotations

import faust

from streams.app import app, settings


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


#: Mentions as collectors send them: JSON, keyed by mention id (see README).
raw_topic = pipeline_topic("mentions.raw")
#: Valid mentions whose key was not their id, re-sent keyed by id for de-duplication.
rekeyed_topic = pipeline_topic("mentions.rekeyed")
#: Every valid mention exactly once, with lang, lang_confidence and brands.
enriched_topic = pipeline_topic("mentions.enriched")
#: Enriched mentions that name a brand without tagging its handle (the response inbox).
untagged_topic = pipeline_topic("mentions.untagged")
#: Messages that could not be processed, with the original bytes, the reason and the source.
deadletter_topic = pipeline_topic("mentions.deadletter")
