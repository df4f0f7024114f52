"""The one event-time window engine, used by crisis detection and by the rolling benchmarks.

- :mod:`.events`: what flows into the windows (a brand event per brand match, clock ticks);
- :mod:`.clock`: the partition's stream clock (``EventClock``) with its lateness tolerance;
- :mod:`.windows`: tumbling and hopping windows over buckets, typed counts (``Tally``) and a
  key's open buckets (``Buckets``);
- :mod:`.state`: the typed per-brand state kept in one table value, with the source offset of
  the last event applied, so that an update already applied is recognised and skipped.

Pure Python, no Kafka: the Faust layer reads and writes the state as JSON.
"""
