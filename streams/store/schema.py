"""The store's tables, as SQLAlchemy Core metadata (the migrations create them; the writer and
the queries build their statements from these objects, never from strings).

``mentions`` and ``mention_brands`` are range-partitioned by month on ``created_at`` (a
partition ``<table>_yYYYYmMM`` a month, created on demand by
``buzzwire_ensure_month_partition``), so old months are dropped whole
(``BUZZWIRE_STORE_RETENTION_MONTHS``) and queries by time touch few partitions. A partitioned
table's primary key must hold the partition key, so a mention is unique by
``(id, created_at)``: a mention's ``created_at`` comes from the mention itself, so every
re-delivery of it carries the same pair.

``mention_brands`` has one row per brand a mention names: the inbox's unit (a post naming two
brands is in both brands' inboxes) with its ``status``. ``alert_threads`` holds each crisis
thread's latest state, ``alert_events`` every event of it once; ``benchmark_snapshots`` the
rolling benchmark records, partitioned by month on the window's end; ``mention_duplicates``
each mention's near-duplicate cluster per brand, partitioned like the mentions.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()

#: The statuses of an inbox item. A snoozed item whose ``snoozed_until`` has passed counts as
#: open again (the queries say so; nothing has to wake it up).
STATUSES = ("open", "in_progress", "done", "dismissed", "snoozed")
#: The roles of a user: an admin manages users; an agent works the inbox of their brands; a
#: viewer reads it.
ROLES = ("admin", "agent", "viewer")

mentions = Table(
    "mentions",
    metadata,
    Column("id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("platform", Text, nullable=False),
    Column("author_id", Text),
    Column("author_handle", Text),
    Column("author_name", Text),
    Column("author_followers", BigInteger, nullable=False, server_default=text("0")),
    Column("url", Text),
    Column("reply_to_handle", Text),
    Column("reshare_of", Text),
    Column("likes", BigInteger, nullable=False, server_default=text("0")),
    Column("shares", BigInteger, nullable=False, server_default=text("0")),
    Column("replies", BigInteger, nullable=False, server_default=text("0")),
    Column("text", Text, nullable=False),
    Column("lang", Text),
    Column("lang_confidence", Float),
    Column("sentiment", Text),
    Column("sentiment_negative", Float),
    Column("sentiment_neutral", Float),
    Column("sentiment_positive", Float),
    Column("sentiment_model", Text),
    Column("brands", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("tagged_brands", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("untagged", Boolean, nullable=False, server_default=text("false")),
    Column("sanitized", Boolean, nullable=False, server_default=text("false")),
    Column("stored_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("asks_question", Boolean, nullable=False, server_default=text("false")),
    Column("reports_problem", Boolean, nullable=False, server_default=text("false")),
    Column("topics", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    PrimaryKeyConstraint("id", "created_at", name="mentions_pkey"),
    Index("mentions_created_at_idx", "created_at"),
    Index(
        "mentions_brands_text_idx",
        "brands",
        "text",
        postgresql_using="gin",
        postgresql_ops={"text": "gin_trgm_ops"},
    ),
    postgresql_partition_by="RANGE (created_at)",
)

mention_brands = Table(
    "mention_brands",
    metadata,
    Column("brand", Text, nullable=False),
    Column("mention_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("tagged", Boolean, nullable=False),
    Column("sentiment", Text),
    Column("lang", Text),
    Column("platform", Text, nullable=False),
    Column("reach", BigInteger, nullable=False, server_default=text("0")),
    Column("status", Text, nullable=False, server_default=text("'open'")),
    Column("priority", Float, nullable=False, server_default=text("0")),
    Column("assignee_user_id", Integer),
    Column("assignee_team", Text),
    Column("snoozed_until", DateTime(timezone=True)),
    Column("first_action_at", DateTime(timezone=True)),
    Column("status_changed_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("brand", "mention_id", "created_at", name="mention_brands_pkey"),
    Index("mention_brands_brand_tagged_time_idx", "brand", "tagged", text("created_at DESC")),
    Index("mention_brands_brand_status_time_idx", "brand", "status", text("created_at DESC")),
    Index(
        "mention_brands_brand_assignee_idx", "brand", "assignee_user_id", text("created_at DESC")
    ),
    Index(
        "mention_brands_inbox_idx",
        "brand",
        "status",
        "tagged",
        text("created_at DESC"),
        postgresql_include=["mention_id", "priority", "snoozed_until"],
    ),
    Index(
        "mention_brands_brand_sentiment_reach_idx",
        "brand",
        "sentiment",
        text("reach DESC"),
        "created_at",
    ),
    postgresql_partition_by="RANGE (created_at)",
)

#: What reports read (docs/trends.md): per brand, topic (``''`` = every mention of the brand,
#: once; a topic's row counts the mentions with that topic), 15-minute UTC ``slot`` (every
#: time zone's midnight falls on one), language (``''`` unknown), platform, sentiment (``''``
#: none) and tagged: the mentions, their reach (each capped at 10^12) and the clearly positive
#: and clearly negative ones (``streams.trends.sentiment``). The writer adds the brand rows it
#: inserts, in their transaction.
trend_rollups = Table(
    "trend_rollups",
    metadata,
    Column("brand", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("slot", DateTime(timezone=True), nullable=False),
    Column("lang", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("sentiment", Text, nullable=False),
    Column("tagged", Boolean, nullable=False),
    Column("mentions", BigInteger, nullable=False),
    Column("reach", BigInteger, nullable=False),
    Column("clearly_positive", BigInteger, nullable=False),
    Column("clearly_negative", BigInteger, nullable=False),
    PrimaryKeyConstraint(
        "brand",
        "topic",
        "slot",
        "lang",
        "platform",
        "sentiment",
        "tagged",
        name="trend_rollups_pkey",
    ),
)

alert_threads = Table(
    "alert_threads",
    metadata,
    Column("id", Text, primary_key=True),
    Column("brand", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("latest", JSONB, nullable=False),
    Column("acknowledged_by", Integer),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("assignee_user_id", Integer),
    Index("alert_threads_brand_opened_idx", "brand", text("opened_at DESC")),
    Index("alert_threads_status_idx", "status", text("updated_at DESC")),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("thread_id", Text, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("event", Text, nullable=False),
    Column("brand", Text, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("body", JSONB, nullable=False),
    PrimaryKeyConstraint("thread_id", "sequence", name="alert_events_pkey"),
    Index("alert_events_brand_sent_idx", "brand", text("sent_at DESC")),
)

benchmark_snapshots = Table(
    "benchmark_snapshots",
    metadata,
    Column("type", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("window", Text, nullable=False),
    Column("window_end", DateTime(timezone=True), nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint(
        "type", "subject", "window", "window_end", name="benchmark_snapshots_pkey"
    ),
    postgresql_partition_by="RANGE (window_end)",
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("all_brands", Boolean, nullable=False, server_default=text("false")),
    Column("brands", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("name", name="users_name_key"),
    CheckConstraint("role IN ('admin', 'agent', 'viewer')", name="users_role_check"),
)

teams = Table(
    "teams",
    metadata,
    Column("name", Text, primary_key=True),
    Column("brands", ARRAY(Text), nullable=False, server_default=text("'{}'")),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team", Text, ForeignKey("teams.name", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("token_sha256", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked", Boolean, nullable=False, server_default=text("false")),
    UniqueConstraint("token_sha256", name="api_tokens_token_sha256_key"),
)

#: Server-side sessions: the cookie holds a random id, the table only its SHA-256.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_sha256", Text, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("web_sessions_expires_idx", "expires_at"),
)

notes = Table(
    "notes",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("brand", Text, nullable=False),
    Column("mention_id", Text, nullable=False),
    Column("author_user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Index("notes_item_idx", "brand", "mention_id", "created_at"),
)

#: Every change a person makes: who, when, what, from what, to what.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("user_id", Integer),
    Column("action", Text, nullable=False),
    Column("brand", Text),
    Column("subject", Text, nullable=False),
    Column("field", Text),
    Column("old_value", Text),
    Column("new_value", Text),
    Index("audit_log_subject_idx", "subject", "at"),
)

#: Webhooks of inbox changes, queued in the change's own transaction and delivered after it.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("kind", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column(
        "next_attempt_at", DateTime(timezone=True), nullable=False, server_default=text("now()")
    ),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Index(
        "outbox_pending_idx",
        "next_attempt_at",
        postgresql_where=text("delivered_at IS NULL"),
    ),
)

#: ``trend_rollups`` summed over language, platform, sentiment and tagged (those become
#: columns): one row per brand, topic and slot at most, what the reports' totals and series read.
trend_totals = Table(
    "trend_totals",
    metadata,
    Column("brand", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("slot", DateTime(timezone=True), nullable=False),
    Column("mentions", BigInteger, nullable=False),
    Column("reach", BigInteger, nullable=False),
    Column("negative", BigInteger, nullable=False),
    Column("neutral", BigInteger, nullable=False),
    Column("positive", BigInteger, nullable=False),
    Column("untagged", BigInteger, nullable=False),
    Column("clearly_positive", BigInteger, nullable=False),
    Column("clearly_negative", BigInteger, nullable=False),
    PrimaryKeyConstraint("brand", "topic", "slot", name="trend_totals_pkey"),
)

#: ``trend_totals`` per UTC day: a period's whole UTC days are read here, its partial days at
#: the edges (a time zone's midnight) from ``trend_totals``.
trend_daily = Table(
    "trend_daily",
    metadata,
    Column("brand", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("day", Date, nullable=False),
    Column("mentions", BigInteger, nullable=False),
    Column("reach", BigInteger, nullable=False),
    Column("negative", BigInteger, nullable=False),
    Column("neutral", BigInteger, nullable=False),
    Column("positive", BigInteger, nullable=False),
    Column("untagged", BigInteger, nullable=False),
    Column("clearly_positive", BigInteger, nullable=False),
    Column("clearly_negative", BigInteger, nullable=False),
    PrimaryKeyConstraint("brand", "topic", "day", name="trend_daily_pkey"),
)

#: What the brand's insight state made of a mention (``mentions.duplicates``, docs/store.md):
#: one row per brand and mention, keyed like ``mention_brands`` but a table of its own, so
#: that a row arriving before its mention's (another topic, another partition) is kept and
#: meets it when it comes. ``duplicate_cluster`` is the brand's near-duplicate cluster (None
#: for a short post or a reshare), ``duplicate_size`` its size as of this mention, ``copy`` a
#: later member of it. Partitioned by month like the mentions, so retention drops both alike.
mention_duplicates = Table(
    "mention_duplicates",
    metadata,
    Column("brand", Text, nullable=False),
    Column("mention_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("duplicate_cluster", BigInteger),
    Column("duplicate_size", BigInteger, nullable=False),
    Column("copy", Boolean, nullable=False),
    Column("capped", Boolean, nullable=False),
    Column("organic", Boolean, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("brand", "mention_id", "created_at", name="mention_duplicates_pkey"),
    Index(
        "mention_duplicates_cluster_idx",
        "brand",
        "duplicate_cluster",
        postgresql_where=text("duplicate_cluster IS NOT NULL"),
    ),
    postgresql_partition_by="RANGE (created_at)",
)

#: The month-partitioned tables and the column they are partitioned on.
PARTITIONED = {
    "mentions": "created_at",
    "mention_brands": "created_at",
    "benchmark_snapshots": "window_end",
    "mention_duplicates": "created_at",
}
