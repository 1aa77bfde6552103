"""The staff list of a province: a terminal's "needs care" (paper, printer or service not right in its last
status) kept in its own column, and terminals indexed by hall, so that the list is counted and filtered in SQL.

Revision 0005 of the reference central's schema (follows 0004). Known terminals get the column from their status."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from central_server.terminal_status import stored_status_needs_care

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("needs_care", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_index("terminals_by_hall", "terminals", ["hall", "id"])
    terminals = sa.table("terminals", sa.column("id", sa.Text), sa.column("status", sa.Text),
                         sa.column("needs_care", sa.Boolean))
    connection = op.get_bind()
    fine = [row.id for row in connection.execute(sa.select(terminals.c.id, terminals.c.status))
            if not stored_status_needs_care(row.status)]
    for start in range(0, len(fine), 500):
        connection.execute(terminals.update().where(terminals.c.id.in_(fine[start:start + 500]))
                           .values(needs_care=False))


def downgrade() -> None:
    op.drop_index("terminals_by_hall", "terminals")
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("needs_care")
