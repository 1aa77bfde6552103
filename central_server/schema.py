"""The reference central's tables, declared once for SQLAlchemy Core: what the queries and migrations agree on.

A change here needs a new revision in migrations/versions (the revisions keep their own copy of the columns)."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (Boolean, Column, Dialect, Float, ForeignKey, Index, Integer, MetaData, PrimaryKeyConstraint,
                        Table, Text as _Text, TypeDecorator, false, text, true)

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")   # NUL, lone surrogates


class Text(TypeDecorator[str]):
    """Text that every store can hold: PostgreSQL refuses the NUL character, and neither store takes a lone UTF-16
    surrogate (JSON can carry both), so each becomes U+FFFD, on SQLite too so both stores keep the same. A lookup
    with one in it then simply finds nothing."""
    impl = _Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return _UNSTORABLE.sub("\ufffd", value) if isinstance(value, str) else value


metadata = MetaData()

terminals = Table(
    "terminals", metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("hall", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("registered_at", Float, nullable=False),
    Column("last_heartbeat", Float),
    Column("status", Text, nullable=False, server_default=text("'{}'")),
    # Paper, printer or service not right in the last status (see storage.status_needs_care): kept beside the
    # status so that the staff list counts and filters a province's terminals in SQL.
    Column("needs_care", Boolean, nullable=False, server_default=true()),
    Index("terminals_by_hall", "hall", "id"),
)

assisted_logins = Table(
    "assisted_logins", metadata,
    Column("id", Text, primary_key=True),
    Column("terminal_id", Text, nullable=False),
    Column("citizen_id", Text, nullable=False),
    Column("name_masked", Text, nullable=False),
    Column("id_masked", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("staff", Text, nullable=False, server_default=text("''")),
    Column("token", Text, nullable=False, server_default=text("''")),
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float),
)

staff_users = Table(
    "staff_users", metadata,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("hall", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

citizens = Table(
    "citizens", metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("id_number", Text, nullable=False, unique=True),
    Column("phone", Text, nullable=False),
    Column("card_code", Text, nullable=False, unique=True),
    Column("note", Text, nullable=False, server_default=text("''")),
)

device_codes = Table(
    "device_codes", metadata,
    Column("device_code_hash", Text, primary_key=True),
    Column("user_code", Text, nullable=False, unique=True),
    Column("terminal_id", Text, nullable=False),
    Column("signed", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("interval", Float, nullable=False),
    Column("last_poll", Float),
    Column("scanned", Boolean, nullable=False, server_default=false()),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("citizen_id", Text),
)

tokens = Table(
    "tokens", metadata,
    Column("token_hash", Text, primary_key=True),
    Column("citizen_id", Text, nullable=False),
    Column("terminal_id", Text, nullable=False),
    Column("issued_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked", Boolean, nullable=False, server_default=false()),
    Column("assisted_by", Text, nullable=False, server_default=""),   # the member of staff who let it in (帮办)
)

idempotent_answers = Table(
    "idempotent_answers", metadata,
    Column("terminal_id", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    PrimaryKeyConstraint("terminal_id", "key"),
)

applications = Table(
    "applications", metadata,
    Column("number", Text, primary_key=True),
    Column("terminal_id", Text, nullable=False),
    Column("item_id", Text, nullable=False),
    Column("citizen_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("verification_code", Text, nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("assisted_by", Text, nullable=False, server_default=""),   # from the token it was submitted with
)

ratings = Table(
    "ratings", metadata,
    Column("application_number", Text, ForeignKey("applications.number"), primary_key=True),
    Column("terminal_id", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

help_requests = Table(
    "help_requests", metadata,
    Column("id", Text, primary_key=True),
    Column("terminal_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("closed_at", Float),
)

commands = Table(
    "commands", metadata,
    Column("id", Text, primary_key=True),
    Column("terminal_id", Text, nullable=False, index=True),   # every heartbeat reads its terminal's
    Column("kind", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("acked_at", Float),
)

counters = Table(
    "counters", metadata,
    Column("name", Text, primary_key=True),
    Column("value", Integer, nullable=False),
)

server_keys = Table(       # keys the server makes once and keeps, e.g. the one that signs staff sessions
    "server_keys", metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),   # hex
    Column("created_at", Float, nullable=False),
)

seen_nonces = Table(     # signed requests' nonces, for servers of several processes (see nonces.SharedNonces)
    "seen_nonces", metadata,
    Column("terminal_id", Text, primary_key=True),
    Column("nonce", Text, primary_key=True),
    Column("expires_at", Float, nullable=False, index=True),
)
