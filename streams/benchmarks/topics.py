"""Topics of the rolling benchmarks. Names get the configured prefix (BUZZWIRE_TOPIC_PREFIX)."""

from __future__ import annotations

from streams.mentions.topics import pipeline_topic

#: Rolling benchmark records (JSON): per brand and window (keyed by brand), and share of voice
#: per competitor set and window (keyed by the set's brand).
benchmarks_topic = pipeline_topic("benchmarks")
#: Internal: each brand's window volumes, re-keyed by every competitor set it belongs to.
sets_topic = pipeline_topic("benchmarks.sets")
