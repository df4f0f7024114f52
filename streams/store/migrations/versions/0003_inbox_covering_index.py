"""A covering index for the inbox's first page: the candidates of a page (brand, status,
untagged, the last days) are read from the index alone, with their priority and snooze, so a
page over every brand costs an index scan and not a heap fetch per open item.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX mention_brands_inbox_idx ON mention_brands"
        " (brand, status, tagged, created_at DESC) INCLUDE (mention_id, priority, snoozed_until)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX mention_brands_inbox_idx")
