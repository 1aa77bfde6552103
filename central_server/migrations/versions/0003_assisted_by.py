"""Who helped: a token issued by an assisted login (帮办登录) names the member of staff who approved it, and an
application submitted with it keeps the name, so its rating (好差评) and the audit show the help.

Revision 0003 of the reference central's schema (follows 0002)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("tokens", "applications"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("assisted_by", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    for table in ("tokens", "applications"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("assisted_by")
