"""The reference central's first schema: terminals, citizens, logins, tokens, applications and the rest.

A database made before migrations existed already holds some or all of these tables: only the missing ones are
created, so such a database is adopted as it is (its rows kept) and marked as being at this revision."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("terminals", "assisted_logins", "staff_users", "citizens", "device_codes", "tokens", "idempotent_answers",
          "applications", "ratings", "help_requests", "commands", "counters")


def _create(existing: set[str], name: str, *columns: sa.schema.SchemaItem) -> None:
    if name not in existing:
        op.create_table(name, *columns)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    text, real = sa.Text, sa.Float
    _create(existing, "terminals",
            sa.Column("id", text, primary_key=True), sa.Column("name", text, nullable=False),
            sa.Column("hall", text, nullable=False), sa.Column("secret", text, nullable=False),
            sa.Column("registered_at", real, nullable=False), sa.Column("last_heartbeat", real),
            sa.Column("status", text, nullable=False, server_default=sa.text("'{}'")))
    _create(existing, "assisted_logins",
            sa.Column("id", text, primary_key=True), sa.Column("terminal_id", text, nullable=False),
            sa.Column("citizen_id", text, nullable=False), sa.Column("name_masked", text, nullable=False),
            sa.Column("id_masked", text, nullable=False), sa.Column("status", text, nullable=False),
            sa.Column("staff", text, nullable=False, server_default=sa.text("''")),
            sa.Column("token", text, nullable=False, server_default=sa.text("''")),
            sa.Column("created_at", real, nullable=False), sa.Column("decided_at", real))
    _create(existing, "staff_users",
            sa.Column("username", text, primary_key=True), sa.Column("password_hash", text, nullable=False),
            sa.Column("role", text, nullable=False), sa.Column("hall", text, nullable=False),
            sa.Column("created_at", real, nullable=False))
    _create(existing, "citizens",
            sa.Column("id", text, primary_key=True), sa.Column("name", text, nullable=False),
            sa.Column("id_number", text, nullable=False, unique=True), sa.Column("phone", text, nullable=False),
            sa.Column("card_code", text, nullable=False, unique=True),
            sa.Column("note", text, nullable=False, server_default=sa.text("''")))
    _create(existing, "device_codes",
            sa.Column("device_code_hash", text, primary_key=True),
            sa.Column("user_code", text, nullable=False, unique=True), sa.Column("terminal_id", text, nullable=False),
            sa.Column("signed", sa.Boolean, nullable=False), sa.Column("created_at", real, nullable=False),
            sa.Column("expires_at", real, nullable=False), sa.Column("interval", real, nullable=False),
            sa.Column("last_poll", real),
            sa.Column("scanned", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("status", text, nullable=False, server_default=sa.text("'pending'")),
            sa.Column("citizen_id", text))
    _create(existing, "tokens",
            sa.Column("token_hash", text, primary_key=True), sa.Column("citizen_id", text, nullable=False),
            sa.Column("terminal_id", text, nullable=False), sa.Column("issued_at", real, nullable=False),
            sa.Column("expires_at", real, nullable=False),
            sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()))
    _create(existing, "idempotent_answers",
            sa.Column("terminal_id", text, nullable=False), sa.Column("key", text, nullable=False),
            sa.Column("endpoint", text, nullable=False), sa.Column("request_hash", text, nullable=False),
            sa.Column("status_code", sa.Integer, nullable=False), sa.Column("body", text, nullable=False),
            sa.Column("created_at", real, nullable=False), sa.PrimaryKeyConstraint("terminal_id", "key"))
    _create(existing, "applications",
            sa.Column("number", text, primary_key=True), sa.Column("terminal_id", text, nullable=False),
            sa.Column("item_id", text, nullable=False), sa.Column("citizen_id", text, nullable=False),
            sa.Column("status", text, nullable=False), sa.Column("document", text, nullable=False),
            sa.Column("verification_code", text, nullable=False, unique=True),
            sa.Column("created_at", real, nullable=False))
    _create(existing, "ratings",
            sa.Column("application_number", text, sa.ForeignKey("applications.number"), primary_key=True),
            sa.Column("terminal_id", text, nullable=False), sa.Column("level", text, nullable=False),
            sa.Column("comment", text, nullable=False), sa.Column("created_at", real, nullable=False))
    _create(existing, "help_requests",
            sa.Column("id", text, primary_key=True), sa.Column("terminal_id", text, nullable=False),
            sa.Column("reason", text, nullable=False), sa.Column("created_at", real, nullable=False),
            sa.Column("closed_at", real))
    _create(existing, "commands",
            sa.Column("id", text, primary_key=True), sa.Column("terminal_id", text, nullable=False),
            sa.Column("kind", text, nullable=False), sa.Column("message", text, nullable=False),
            sa.Column("created_at", real, nullable=False), sa.Column("acked_at", real))
    _create(existing, "counters",
            sa.Column("name", text, primary_key=True), sa.Column("value", sa.Integer, nullable=False))


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
