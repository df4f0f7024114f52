"""Search within a brand scope in one index scan: the trigram index on the text becomes a
two-column GIN index ``(brands, text gin_trgm_ops)``, so that the brands of a user's scope and
the term's trigrams meet inside the index (benchmarks/store.py: a common term's search at 5M
mentions went from p95 2.7 s to 66 ms in the benchmark's trial).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX mentions_brands_text_idx ON mentions USING gin (brands, text gin_trgm_ops)"
    )
    op.execute("DROP INDEX mentions_text_trgm_idx")


def downgrade() -> None:
    op.execute("CREATE INDEX mentions_text_trgm_idx ON mentions USING gin (text gin_trgm_ops)")
    op.execute("DROP INDEX mentions_brands_text_idx")
