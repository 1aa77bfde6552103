"""Durable outbox: every submission and rating is stored with its Idempotency-Key before it is sent.

Entries stay until central answered; personal data in an entry is erased once it is settled."""
from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass

from kiosk.core.store import Transaction

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('submission', 'rating')),
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'refused')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reference TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, id);
"""


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    idempotency_key: str
    kind: str
    payload: dict
    state: str
    attempts: int
    reference: str
    last_error: str
    created_at: float


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class Outbox:
    """Submissions and ratings waiting for, or settled by, central."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        conn.executescript(SCHEMA)

    def add(self, kind: str, payload: dict, idempotency_key: str | None = None) -> OutboxEntry:
        """Store a request durably (fsync'd) before anyone sends it; the same key is stored once."""
        key = idempotency_key or new_idempotency_key()
        now = time.time()
        with Transaction(self.conn):
            self.conn.execute(
                "INSERT INTO outbox (idempotency_key, kind, payload, state, created_at, updated_at) "
                "VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT(idempotency_key) DO NOTHING",
                (key, kind, json.dumps(payload, ensure_ascii=False), now, now),
            )
        entry = self.get(key)
        assert entry is not None
        return entry

    def get(self, key: str) -> OutboxEntry | None:
        row = self.conn.execute("SELECT * FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def record_attempt(self, key: str, error: str = "") -> None:
        """One more try was made; `error` says why it did not settle (no personal data)."""
        with Transaction(self.conn):
            self.conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, updated_at = ? "
                              "WHERE idempotency_key = ?", (error[:300], time.time(), key))

    def settle(self, key: str, *, reference: str = "", refused: str = "") -> None:
        """Central answered: keep the reference (application number), erase the payload."""
        state = "refused" if refused else "done"
        with Transaction(self.conn):
            self.conn.execute(
                "UPDATE outbox SET state = ?, payload = '{}', reference = ?, last_error = ?, updated_at = ? "
                "WHERE idempotency_key = ?", (state, reference, refused[:300], time.time(), key))

    def pending(self, kind: str | None = None) -> list[OutboxEntry]:
        sql = "SELECT * FROM outbox WHERE state = 'pending'"
        args: tuple = ()
        if kind:
            sql += " AND kind = ?"
            args = (kind,)
        return [_entry(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def depth(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]


def _entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(id=row["id"], idempotency_key=row["idempotency_key"], kind=row["kind"],
                       payload=json.loads(row["payload"]), state=row["state"], attempts=row["attempts"],
                       reference=row["reference"], last_error=row["last_error"], created_at=row["created_at"])
