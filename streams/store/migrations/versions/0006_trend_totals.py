"""Trend totals: ``trend_rollups`` summed over language, platform, sentiment and tagged, per
brand, topic and 15-minute UTC slot, with the sentiment and tagged counts as columns. What the
reports' totals and series read: a big brand has at most one row a slot and topic, where
``trend_rollups`` has one per language, platform, sentiment and tagged in it
(benchmarks/trends.py). Filled from ``trend_rollups``; the writer keeps both.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_UPGRADE = [
    """
    CREATE TABLE trend_totals (
        brand text NOT NULL,
        topic text NOT NULL,
        slot timestamptz NOT NULL,
        mentions bigint NOT NULL,
        reach bigint NOT NULL,
        negative bigint NOT NULL,
        neutral bigint NOT NULL,
        positive bigint NOT NULL,
        untagged bigint NOT NULL,
        clearly_positive bigint NOT NULL,
        clearly_negative bigint NOT NULL,
        CONSTRAINT trend_totals_pkey PRIMARY KEY (brand, topic, slot)
    )
    """,
    """
    INSERT INTO trend_totals
    SELECT brand, topic, slot, sum(mentions), sum(reach),
           coalesce(sum(mentions) FILTER (WHERE sentiment = 'negative'), 0),
           coalesce(sum(mentions) FILTER (WHERE sentiment = 'neutral'), 0),
           coalesce(sum(mentions) FILTER (WHERE sentiment = 'positive'), 0),
           coalesce(sum(mentions) FILTER (WHERE NOT tagged), 0),
           sum(clearly_positive), sum(clearly_negative)
    FROM trend_rollups
    GROUP BY brand, topic, slot
    """,
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE trend_totals")
