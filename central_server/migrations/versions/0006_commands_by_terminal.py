"""An index of commands by terminal: every heartbeat looks up its terminal's waiting commands, and without it
each look-up read the whole table, which keeps every command ever acknowledged.

Revision 0006 of the reference central's schema (follows 0005)."""
from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_commands_terminal_id", "commands", ["terminal_id"])


def downgrade() -> None:
    op.drop_index("ix_commands_terminal_id", "commands")
