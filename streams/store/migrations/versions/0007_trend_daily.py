"""Trend days and a cheaper index for a period's statements.

- ``trend_daily``: ``trend_totals`` per UTC day (same columns, ``day`` for ``slot``). A period in
  any time zone is its whole UTC days, read here (one row a brand, topic and day), and at most
  two partial days at its edges, read from ``trend_totals``' 15-minute slots: a quarter's
  total reads ~90 rows and up to 192 slots a brand instead of ~8,700 slots
  (benchmarks/trends.py). Filled from ``trend_totals``; the writer keeps all three.
- ``mention_brands (brand, sentiment, reach DESC, created_at)`` replaces
  ``(brand, sentiment, created_at) INCLUDE (reach)``: a period's statements are the first items
  of its months' partitions in reach order that are clearly negative (or positive), so the
  walk stops after a few rows instead of sorting every negative item of the period.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_UPGRADE = [
    """
    CREATE TABLE trend_daily (
        brand text NOT NULL,
        topic text NOT NULL,
        day date NOT NULL,
        mentions bigint NOT NULL,
        reach bigint NOT NULL,
        negative bigint NOT NULL,
        neutral bigint NOT NULL,
        positive bigint NOT NULL,
        untagged bigint NOT NULL,
        clearly_positive bigint NOT NULL,
        clearly_negative bigint NOT NULL,
        CONSTRAINT trend_daily_pkey PRIMARY KEY (brand, topic, day)
    )
    """,
    """
    INSERT INTO trend_daily
    SELECT brand, topic, (slot AT TIME ZONE 'UTC')::date, sum(mentions), sum(reach),
           sum(negative), sum(neutral), sum(positive), sum(untagged),
           sum(clearly_positive), sum(clearly_negative)
    FROM trend_totals
    GROUP BY 1, 2, 3
    """,
    "DROP INDEX mention_brands_brand_sentiment_time_idx",
    "CREATE INDEX mention_brands_brand_sentiment_reach_idx"
    " ON mention_brands (brand, sentiment, reach DESC, created_at)",
]

_DOWNGRADE = [
    "DROP INDEX mention_brands_brand_sentiment_reach_idx",
    "CREATE INDEX mention_brands_brand_sentiment_time_idx"
    " ON mention_brands (brand, sentiment, created_at) INCLUDE (reach)",
    "DROP TABLE trend_daily",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in _DOWNGRADE:
        op.execute(statement)
