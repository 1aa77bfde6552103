"""Keys the server makes once and keeps in its database (the one signing staff sessions), so every server
process on one database shares them; they used to be a file beside a SQLite database.

Revision 0002 of the reference central's schema (follows 0001)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("server_keys",
                    sa.Column("name", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False),
                    sa.Column("created_at", sa.Float, nullable=False))


def downgrade() -> None:
    op.drop_table("server_keys")
