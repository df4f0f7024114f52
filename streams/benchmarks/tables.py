"""Tables of the rolling benchmarks (changelogged: a restarted worker resumes its windows)."""

from __future__ import annotations

from streams.crisis.tables import brand_table

#: ``brand|window|bucket start`` -> the bucket's counts (``logic.new_bucket``).
buckets = brand_table("bench-buckets", "Benchmark buckets per brand and window.")
#: ``brand`` -> first seen, the bucket starts held and the last window end emitted, per window;
#: ``~clock|N`` -> the stream clock of partition N.
bench_state = brand_table("bench-state", "Rolling benchmark state per brand.")
#: ``set|window`` -> the members' recent window volumes (keyed by competitor set).
set_volumes = brand_table("bench-set-volumes", "Recent volumes per competitor set member.")
