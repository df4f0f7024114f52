"""A brand's whole window state, as one value of the ``brand-windows`` table (pure, no Faust).

Crisis windows, alerting state, insight state (near-duplicates, authors, term trends) and
benchmark buckets of a brand live in one value, written in one changelog record together with
``offset``: the offset, on the brand's partition of ``mentions.by-brand``, of the last event
applied. An event at or below it was applied already (a replay after a crash or a rebalance)
and is skipped, so that windows count every event once. All of a brand's events come from one
partition (the topic is keyed by brand), so one offset suffices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.crisis.alert_threads import BrandCrisis
from streams.crisis.insight import BrandInsight, InsightConfig
from streams.rollups.logic import BrandRollups


@dataclass(slots=True)
class BrandState:
    offset: int = -1
    crisis: BrandCrisis = field(default_factory=BrandCrisis)
    rollups: BrandRollups = field(default_factory=BrandRollups)
    #: None when insight is off (``BUZZWIRE_CRISIS_INSIGHT=false``)
    insight: BrandInsight | None = None

    def applied(self, offset: int) -> bool:
        """Whether the event at ``offset`` is counted in this state already."""
        return offset <= self.offset

    def to_json(self) -> dict[str, Any]:
        out = {
            "offset": self.offset,
            "crisis": self.crisis.to_json(),
            "rollups": self.rollups.to_json(),
        }
        if self.insight is not None:
            out["insight"] = self.insight.to_json()
        return out

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any] | None, insight: InsightConfig | None = None
    ) -> BrandState:
        """``insight``: the insight state's settings; None drops any saved insight state."""
        if not data:
            return cls(insight=None if insight is None else BrandInsight(insight))
        return cls(
            offset=int(data.get("offset", -1)),
            crisis=BrandCrisis.from_json(data.get("crisis")),
            rollups=BrandRollups.from_json(data.get("rollups")),
            insight=(
                None if insight is None else BrandInsight.from_json(data.get("insight"), insight)
            ),
        )
