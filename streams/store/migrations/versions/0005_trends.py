"""Trends: the topics of a mention, the rollups that reports read, and an index for a period's
most important statements.

- ``mentions.topics``: the topic ids of a mention (``streams.data`` taxonomy), ``'{}'`` when none.
- ``trend_rollups``: per brand, 15-minute UTC slot, topic (``''`` = all mentions), language,
  platform, sentiment and tagged: the mentions, their reach, and the clearly positive and
  clearly negative ones. Maintained by the writer in the transaction that inserts the brand
  rows, from the rows actually inserted (so a replay never counts twice). 15-minute slots
  because every time zone's midnight falls on one (+05:30, +05:45 and DST included): a period
  in any brand's time zone is an exact range of slots, and a brand's time zone can change
  without rebuilding anything.
- ``trend_rollups`` is filled from the mentions already stored, so an upgraded store reports
  its history at once.
- ``mention_brands (brand, sentiment, created_at) INCLUDE (reach)``: a period's negative (or
  positive) items of a brand, by reach, without a heap fetch each.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# the thresholds of streams.trends.sentiment at the time of this migration (the backfill below)
_CLEAR_POSITIVE = 0.8
_CLEAR_NEGATIVE = 0.8
_MAX_REACH = 1_000_000_000_000

_UPGRADE = [
    "ALTER TABLE mentions ADD COLUMN topics text[] NOT NULL DEFAULT '{}'",
    # the 15-minute UTC slot of a time (date_bin would need PostgreSQL 14)
    """
    CREATE FUNCTION buzzwire_trend_slot(ts timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_timestamp(floor(extract(epoch FROM ts) / 900) * 900) $$
    """,
    """
    CREATE TABLE trend_rollups (
        brand text NOT NULL,
        topic text NOT NULL,
        slot timestamptz NOT NULL,
        lang text NOT NULL,
        platform text NOT NULL,
        sentiment text NOT NULL,
        tagged boolean NOT NULL,
        mentions bigint NOT NULL,
        reach bigint NOT NULL,
        clearly_positive bigint NOT NULL,
        clearly_negative bigint NOT NULL,
        CONSTRAINT trend_rollups_pkey
            PRIMARY KEY (brand, topic, slot, lang, platform, sentiment, tagged)
    )
    """,
    "CREATE INDEX mention_brands_brand_sentiment_time_idx"
    " ON mention_brands (brand, sentiment, created_at) INCLUDE (reach)",
    f"""
    INSERT INTO trend_rollups
    SELECT b.brand, t.topic,
           buzzwire_trend_slot(b.created_at),
           coalesce(b.lang, ''), b.platform, coalesce(b.sentiment, ''), b.tagged,
           count(*), sum(least(b.reach, {_MAX_REACH})),
           count(*) FILTER (WHERE m.sentiment_positive >= {_CLEAR_POSITIVE}),
           count(*) FILTER (WHERE m.sentiment_negative >= {_CLEAR_NEGATIVE})
    FROM mention_brands b
    JOIN mentions m ON m.id = b.mention_id AND m.created_at = b.created_at
    CROSS JOIN LATERAL unnest(ARRAY[''] || m.topics) AS t(topic)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    """,
]

_DOWNGRADE = [
    "DROP INDEX mention_brands_brand_sentiment_time_idx",
    "DROP TABLE trend_rollups",
    "DROP FUNCTION buzzwire_trend_slot(timestamptz)",
    "ALTER TABLE mentions DROP COLUMN topics",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in _DOWNGRADE:
        op.execute(statement)
