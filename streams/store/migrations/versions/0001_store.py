"""The store: mentions and their brands (month partitions), alert threads and events,
benchmark snapshots, and the partition functions.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_UPGRADE = [
    # trigram indexes serve substring search in any script (Arabic, Latvian, CJK...); pg_trgm
    # is a trusted extension: a database owner may create it, no superuser needed
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE TABLE mentions (
        id text NOT NULL,
        created_at timestamptz NOT NULL,
        platform text NOT NULL,
        author_id text,
        author_handle text,
        author_name text,
        author_followers bigint NOT NULL DEFAULT 0,
        url text,
        reply_to_handle text,
        reshare_of text,
        likes bigint NOT NULL DEFAULT 0,
        shares bigint NOT NULL DEFAULT 0,
        replies bigint NOT NULL DEFAULT 0,
        text text NOT NULL,
        lang text,
        lang_confidence double precision,
        sentiment text,
        sentiment_negative double precision,
        sentiment_neutral double precision,
        sentiment_positive double precision,
        sentiment_model text,
        brands text[] NOT NULL DEFAULT '{}',
        tagged_brands text[] NOT NULL DEFAULT '{}',
        untagged boolean NOT NULL DEFAULT false,
        sanitized boolean NOT NULL DEFAULT false,
        stored_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mentions_pkey PRIMARY KEY (id, created_at)
    ) PARTITION BY RANGE (created_at)
    """,
    "CREATE INDEX mentions_created_at_idx ON mentions (created_at)",
    "CREATE INDEX mentions_text_trgm_idx ON mentions USING gin (text gin_trgm_ops)",
    """
    CREATE TABLE mention_brands (
        brand text NOT NULL,
        mention_id text NOT NULL,
        created_at timestamptz NOT NULL,
        tagged boolean NOT NULL,
        sentiment text,
        lang text,
        platform text NOT NULL,
        reach bigint NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'open',
        CONSTRAINT mention_brands_pkey PRIMARY KEY (brand, mention_id, created_at)
    ) PARTITION BY RANGE (created_at)
    """,
    "CREATE INDEX mention_brands_brand_tagged_time_idx"
    " ON mention_brands (brand, tagged, created_at DESC)",
    "CREATE INDEX mention_brands_brand_status_time_idx"
    " ON mention_brands (brand, status, created_at DESC)",
    """
    CREATE TABLE alert_threads (
        id text NOT NULL,
        brand text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL,
        status text NOT NULL,
        sequence integer NOT NULL,
        opened_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        resolved_at timestamptz,
        latest jsonb NOT NULL,
        CONSTRAINT alert_threads_pkey PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX alert_threads_brand_opened_idx ON alert_threads (brand, opened_at DESC)",
    "CREATE INDEX alert_threads_status_idx ON alert_threads (status, updated_at DESC)",
    """
    CREATE TABLE alert_events (
        thread_id text NOT NULL,
        sequence integer NOT NULL,
        event text NOT NULL,
        brand text NOT NULL,
        sent_at timestamptz NOT NULL,
        body jsonb NOT NULL,
        CONSTRAINT alert_events_pkey PRIMARY KEY (thread_id, sequence)
    )
    """,
    "CREATE INDEX alert_events_brand_sent_idx ON alert_events (brand, sent_at DESC)",
    """
    CREATE TABLE benchmark_snapshots (
        type text NOT NULL,
        subject text NOT NULL,
        "window" text NOT NULL,
        window_end timestamptz NOT NULL,
        complete boolean NOT NULL,
        body jsonb NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT benchmark_snapshots_pkey PRIMARY KEY (type, subject, "window", window_end)
    ) PARTITION BY RANGE (window_end)
    """,
    # One partition a month, named <table>_yYYYYmMM, bounds in UTC. Identifiers and bounds are
    # quoted by format()'s %I and %L on the server; the table must be one of ours. The advisory
    # lock makes concurrent writers create a month once.
    """
    CREATE FUNCTION buzzwire_ensure_month_partition(parent text, ts timestamptz)
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
    """,
    # Drops the month partitions of ``parent`` that end on or before ``cutoff``; returns
    # their names.
    """
    CREATE FUNCTION buzzwire_drop_partitions_before(parent text, cutoff timestamptz)
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
    """,
]

_DOWNGRADE = [
    "DROP FUNCTION buzzwire_drop_partitions_before(text, timestamptz)",
    "DROP FUNCTION buzzwire_ensure_month_partition(text, timestamptz)",
    "DROP TABLE benchmark_snapshots",
    "DROP TABLE alert_events",
    "DROP TABLE alert_threads",
    "DROP TABLE mention_brands",
    "DROP TABLE mentions",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in _DOWNGRADE:
        op.execute(statement)
