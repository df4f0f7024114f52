"""Near-duplicate clusters: ``mention_duplicates``, one row per brand and mention, from
``mentions.duplicates`` (what each brand's insight state made of the mention).

A table of its own, not columns of ``mention_brands``: the record comes on another topic than
the mention, so the sink may store it before the mention's rows (another partition, another
batch); an ``UPDATE`` of a row not there yet would lose it. Keyed like ``mention_brands``
(``brand, mention_id, created_at``), so a re-delivered record is ``ON CONFLICT DO NOTHING`` and
the inbox joins the two on their keys. Partitioned by month on ``created_at`` like the
mentions, so that retention drops the same months of both: the partition functions learn the
new table's name.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The partition functions of 0001 with ``mention_duplicates`` among their tables.
_ENSURE_WITH = """
CREATE OR REPLACE FUNCTION buzzwire_ensure_month_partition(parent text, ts timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    child text := parent || '_y' || to_char(ts AT TIME ZONE 'UTC', 'YYYY')
                  || 'm' || to_char(ts AT TIME ZONE 'UTC', 'MM');
BEGIN
    IF parent NOT IN ('mentions', 'mention_brands', 'benchmark_snapshots',
                     'mention_duplicates') THEN
        RAISE EXCEPTION 'not a month-partitioned buzzwire table: %', parent;
    END IF;
    IF to_regclass(quote_ident(child)) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('buzzwire_partition'), hashtext(child));
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            child, parent, month_start, month_start + interval '1 month');
    END IF;
    RETURN child;
END $$
"""

_DROP_WITH = """
CREATE OR REPLACE FUNCTION buzzwire_drop_partitions_before(parent text, cutoff timestamptz)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    child text;
    month_start timestamptz;
BEGIN
    IF parent NOT IN ('mentions', 'mention_brands', 'benchmark_snapshots',
                     'mention_duplicates') THEN
        RAISE EXCEPTION 'not a month-partitioned buzzwire table: %', parent;
    END IF;
    FOR child IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = parent AND c.relname ~ ('^' || parent || '_y[0-9]{4}m[0-9]{2}$')
        ORDER BY c.relname
    LOOP
        month_start := make_timestamptz(
            substr(right(child, 8), 2, 4)::int, substr(right(child, 8), 7, 2)::int,
            1, 0, 0, 0, 'UTC');
        IF month_start + interval '1 month' <= cutoff THEN
            EXECUTE format('DROP TABLE %I', child);
            RETURN NEXT child;
        END IF;
    END LOOP;
END $$
"""

#: The partition functions as 0001 made them (the downgrade).
_ENSURE_WITHOUT = """
CREATE OR REPLACE FUNCTION buzzwire_ensure_month_partition(parent text, ts timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    child text := parent || '_y' || to_char(ts AT TIME ZONE 'UTC', 'YYYY')
                  || 'm' || to_char(ts AT TIME ZONE 'UTC', 'MM');
BEGIN
    IF parent NOT IN ('mentions', 'mention_brands', 'benchmark_snapshots') THEN
        RAISE EXCEPTION 'not a month-partitioned buzzwire table: %', parent;
    END IF;
    IF to_regclass(quote_ident(child)) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('buzzwire_partition'), hashtext(child));
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            child, parent, month_start, month_start + interval '1 month');
    END IF;
    RETURN child;
END $$
"""

_DROP_WITHOUT = """
CREATE OR REPLACE FUNCTION buzzwire_drop_partitions_before(parent text, cutoff timestamptz)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    child text;
    month_start timestamptz;
BEGIN
    IF parent NOT IN ('mentions', 'mention_brands', 'benchmark_snapshots') THEN
        RAISE EXCEPTION 'not a month-partitioned buzzwire table: %', parent;
    END IF;
    FOR child IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = parent AND c.relname ~ ('^' || parent || '_y[0-9]{4}m[0-9]{2}$')
        ORDER BY c.relname
    LOOP
        month_start := make_timestamptz(
            substr(right(child, 8), 2, 4)::int, substr(right(child, 8), 7, 2)::int,
            1, 0, 0, 0, 'UTC');
        IF month_start + interval '1 month' <= cutoff THEN
            EXECUTE format('DROP TABLE %I', child);
            RETURN NEXT child;
        END IF;
    END LOOP;
END $$
"""

_UPGRADE = [
    """
    CREATE TABLE mention_duplicates (
        brand text NOT NULL,
        mention_id text NOT NULL,
        created_at timestamptz NOT NULL,
        duplicate_cluster bigint,
        duplicate_size bigint NOT NULL,
        copy boolean NOT NULL,
        capped boolean NOT NULL,
        organic boolean NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mention_duplicates_pkey PRIMARY KEY (brand, mention_id, created_at)
    ) PARTITION BY RANGE (created_at)
    """,
    "CREATE INDEX mention_duplicates_cluster_idx ON mention_duplicates"
    " (brand, duplicate_cluster) WHERE duplicate_cluster IS NOT NULL",
    _ENSURE_WITH,
    _DROP_WITH,
]

_DOWNGRADE = [
    _ENSURE_WITHOUT,
    _DROP_WITHOUT,
    "DROP TABLE mention_duplicates",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in _DOWNGRADE:
        op.execute(statement)
