"""The record of what a brand's insight state made of one brand event (pure).

The brand-windows agent sends one to ``mentions.duplicates`` for every brand event it observes
(with ``BUZZWIRE_CRISIS_INSIGHT`` on), in the batch's transaction, so that the store can show a
mention's near-duplicate cluster in the inbox (docs/records-and-topics.md). The record names the
mention and its brand as the store keys them (``id``, ``brand``, ``created_at``: the mention's
own time, so that the row meets the mention's rows whichever arrives first) and carries the
:class:`~streams.crisis.insight.Observation`: ``duplicate_cluster`` (the cluster's id, per
brand; None for a short post or a reshare), ``duplicate_size`` (the cluster's size with this
post, as of this post), ``copy`` (a later member of its cluster), ``capped`` (beyond the
author's cap) and ``organic`` (neither).
"""

from __future__ import annotations

from typing import Any

from streams.crisis.insight import Observation
from streams.kernel.timestamps import iso_utc
from streams.windowing.events import BrandEvent

__all__ = ["cluster_key", "cluster_record"]


def cluster_record(event: BrandEvent, seen: Observation) -> dict[str, Any]:
    """The ``mentions.duplicates`` record of ``event`` as the insight state ``seen`` it."""
    return {
        "id": event.id,
        "brand": event.brand,
        "created_at": event.created_at or iso_utc(event.ts),
        **seen.to_json(),
    }


def cluster_key(event: BrandEvent) -> bytes:
    """The record's key: the brand, like every topic written by the brand-windows agent."""
    return event.brand.encode("utf-8")
