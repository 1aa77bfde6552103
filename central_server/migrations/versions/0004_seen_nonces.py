"""The nonces of signed requests, kept in the database when central runs as several worker
processes: a copy of a request sent to another process is refused as a replay, as one process refuses it.

Revision 0004 of the reference central's schema (follows 0003)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("seen_nonces",
                    sa.Column("terminal_id", sa.Text, primary_key=True), sa.Column("nonce", sa.Text, primary_key=True),
                    sa.Column("expires_at", sa.Float, nullable=False))
    op.create_index("ix_seen_nonces_expires_at", "seen_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_seen_nonces_expires_at", "seen_nonces")
    op.drop_table("seen_nonces")
