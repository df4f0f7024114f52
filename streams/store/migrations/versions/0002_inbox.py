"""The response inbox: users, teams, sessions and API tokens; inbox fields on mention_brands
(assignee, snooze, priority, first action); notes, the audit log, alert acknowledgement, and
an outbox for inbox webhooks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_UPGRADE = [
    """
    CREATE TABLE users (
        id serial NOT NULL,
        name text NOT NULL,
        role text NOT NULL,
        all_brands boolean NOT NULL DEFAULT false,
        brands text[] NOT NULL DEFAULT '{}',
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_pkey PRIMARY KEY (id),
        CONSTRAINT users_name_key UNIQUE (name),
        CONSTRAINT users_role_check CHECK (role IN ('admin', 'agent', 'viewer'))
    )
    """,
    """
    CREATE TABLE teams (
        name text NOT NULL,
        brands text[] NOT NULL DEFAULT '{}',
        CONSTRAINT teams_pkey PRIMARY KEY (name)
    )
    """,
    """
    CREATE TABLE team_members (
        team text NOT NULL,
        user_id integer NOT NULL,
        CONSTRAINT team_members_pkey PRIMARY KEY (team, user_id),
        CONSTRAINT team_members_team_fkey FOREIGN KEY (team) REFERENCES teams (name)
            ON DELETE CASCADE,
        CONSTRAINT team_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
            ON DELETE CASCADE
    )
    """,
    """
    CREATE TABLE api_tokens (
        id serial NOT NULL,
        user_id integer NOT NULL,
        name text NOT NULL,
        token_sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked boolean NOT NULL DEFAULT false,
        CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
        CONSTRAINT api_tokens_token_sha256_key UNIQUE (token_sha256),
        CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
            ON DELETE CASCADE
    )
    """,
    """
    CREATE TABLE web_sessions (
        id_sha256 text NOT NULL,
        user_id integer NOT NULL,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT web_sessions_pkey PRIMARY KEY (id_sha256),
        CONSTRAINT web_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
            ON DELETE CASCADE
    )
    """,
    "CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at)",
    # inbox fields of an item (a brand a mention names)
    "ALTER TABLE mention_brands ADD COLUMN priority double precision NOT NULL DEFAULT 0",
    "ALTER TABLE mention_brands ADD COLUMN assignee_user_id integer",
    "ALTER TABLE mention_brands ADD COLUMN assignee_team text",
    "ALTER TABLE mention_brands ADD COLUMN snoozed_until timestamptz",
    "ALTER TABLE mention_brands ADD COLUMN first_action_at timestamptz",
    "ALTER TABLE mention_brands ADD COLUMN status_changed_at timestamptz",
    "CREATE INDEX mention_brands_brand_assignee_idx"
    " ON mention_brands (brand, assignee_user_id, created_at DESC)",
    # what the text says of itself (streams.mentions.signals)
    "ALTER TABLE mentions ADD COLUMN asks_question boolean NOT NULL DEFAULT false",
    "ALTER TABLE mentions ADD COLUMN reports_problem boolean NOT NULL DEFAULT false",
    """
    CREATE TABLE notes (
        id bigserial NOT NULL,
        brand text NOT NULL,
        mention_id text NOT NULL,
        author_user_id integer NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notes_pkey PRIMARY KEY (id),
        CONSTRAINT notes_author_user_id_fkey FOREIGN KEY (author_user_id) REFERENCES users (id)
    )
    """,
    "CREATE INDEX notes_item_idx ON notes (brand, mention_id, created_at)",
    """
    CREATE TABLE audit_log (
        id bigserial NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        user_id integer,
        action text NOT NULL,
        brand text,
        subject text NOT NULL,
        field text,
        old_value text,
        new_value text,
        CONSTRAINT audit_log_pkey PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX audit_log_subject_idx ON audit_log (subject, at)",
    "ALTER TABLE alert_threads ADD COLUMN acknowledged_by integer",
    "ALTER TABLE alert_threads ADD COLUMN acknowledged_at timestamptz",
    "ALTER TABLE alert_threads ADD COLUMN assignee_user_id integer",
    # inbox webhooks are queued in the transaction of the change, delivered after it
    """
    CREATE TABLE outbox (
        id bigserial NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        kind text NOT NULL,
        payload jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        last_error text,
        CONSTRAINT outbox_pkey PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE delivered_at IS NULL",
]

_DOWNGRADE = [
    "DROP TABLE outbox",
    "ALTER TABLE alert_threads DROP COLUMN assignee_user_id",
    "ALTER TABLE alert_threads DROP COLUMN acknowledged_at",
    "ALTER TABLE alert_threads DROP COLUMN acknowledged_by",
    "DROP TABLE audit_log",
    "DROP TABLE notes",
    "ALTER TABLE mentions DROP COLUMN reports_problem",
    "ALTER TABLE mentions DROP COLUMN asks_question",
    "DROP INDEX mention_brands_brand_assignee_idx",
    "ALTER TABLE mention_brands DROP COLUMN status_changed_at",
    "ALTER TABLE mention_brands DROP COLUMN first_action_at",
    "ALTER TABLE mention_brands DROP COLUMN snoozed_until",
    "ALTER TABLE mention_brands DROP COLUMN assignee_team",
    "ALTER TABLE mention_brands DROP COLUMN assignee_user_id",
    "ALTER TABLE mention_brands DROP COLUMN priority",
    "DROP TABLE web_sessions",
    "DROP TABLE api_tokens",
    "DROP TABLE team_members",
    "DROP TABLE teams",
    "DROP TABLE users",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in _DOWNGRADE:
        op.execute(statement)
