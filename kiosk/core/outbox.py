"""Durable outbox: every submission and rating is stored with its Idempotency-Key before it is sent.

Entries stay until central answered; personal data in an entry is erased once it is settled."""
from __future__ import annotations

import enum
import json
import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass

from kiosk.shared.store import StoreError, Transaction, db_lock

log = logging.getLogger(__name__)

class EntryKind(enum.StrEnum):
    SUBMISSION = "submission"
    RATING = "rating"


class EntryState(enum.StrEnum):
    """Where a stored request stands: waiting to be sent (again), taken by central, or refused by it."""
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"


KINDS = tuple(EntryKind)
STATES = tuple(EntryState)

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
    """One stored request; `reference` is central's application number once it is settled."""
    id: int
    idempotency_key: str
    kind: EntryKind
    payload: dict
    state: EntryState
    attempts: int
    reference: str
    last_error: str
    created_at: float
    updated_at: float = 0.0

    @property
    def settled(self) -> bool:
        return self.state is not EntryState.PENDING


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class Outbox:
    """Submissions and ratings waiting for, or settled by, central. Safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._lock = db_lock(conn)
        try:
            with self._lock:
                conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot prepare the outbox table: {exc}") from exc

    def add(self, kind: str, payload: dict, idempotency_key: str | None = None) -> OutboxEntry:
        """Store a request durably (fsync'd) before anyone sends it; the same key is stored once.

        Raises StoreError when the database cannot be written (disk full): then nothing is stored."""
        if kind not in KINDS:
            raise ValueError(f"outbox kind must be one of {', '.join(KINDS)}, got {kind!r}")
        key = idempotency_key or new_idempotency_key()
        now = time.time()
        with Transaction(self.conn):
            self.conn.execute(
                "INSERT INTO outbox (idempotency_key, kind, payload, state, created_at, updated_at) "
                "VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT(idempotency_key) DO NOTHING",
                (key, kind, json.dumps(payload, ensure_ascii=False), now, now),
            )
        entry = self.get(key)
        if entry is None:  # pragma: no cover - the row was committed just above
            raise StoreError(f"outbox entry {key} vanished after it was written")
        return entry

    def get(self, key: str) -> OutboxEntry | None:
        with self._lock:
            row = self.conn.execute("SELECT * FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def get_by_id(self, entry_id: int) -> OutboxEntry | None:
        with self._lock:
            row = self.conn.execute("SELECT * FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def record_attempt(self, key: str, error: str = "") -> None:
        """One more try was made; `error` says why it did not settle (no personal data)."""
        with Transaction(self.conn):
            self.conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, updated_at = ? "
                              "WHERE idempotency_key = ? AND state = 'pending'", (error[:300], time.time(), key))

    def settle(self, key: str, *, reference: str = "", refused: str = "") -> None:
        """Central answered: keep the reference (application number), erase the payload.

        Settling twice is harmless: the first answer stays, except that central's acceptance always wins
        over an earlier refusal (central holds the application, so the terminal must hold its number)."""
        state = EntryState.REFUSED if refused else EntryState.DONE
        settles = "state = 'pending'" if refused else "state IN ('pending', 'refused')"
        with Transaction(self.conn):
            self.conn.execute(
                "UPDATE outbox SET state = ?, payload = '{}', reference = ?, last_error = ?, updated_at = ? "
                f"WHERE idempotency_key = ? AND {settles}",
                (state, reference, refused[:300], time.time(), key))

    def reopen(self, key: str, payload: dict) -> OutboxEntry:
        """Send a refused request again (the citizen corrected it): pending once more, with its payload."""
        with Transaction(self.conn):
            self.conn.execute("UPDATE outbox SET state = 'pending', payload = ?, reference = '', updated_at = ? "
                              "WHERE idempotency_key = ? AND state = 'refused'",
                              (json.dumps(payload, ensure_ascii=False), time.time(), key))
        entry = self.get(key)
        if entry is None:
            raise KeyError(f"no outbox entry {key}")
        return entry

    def pending(self, kind: str | None = None, older_than: float = 0.0) -> list[OutboxEntry]:
        """Unsettled entries, oldest first; with `older_than`, only those untouched for that many seconds."""
        sql = "SELECT * FROM outbox WHERE state = 'pending' AND updated_at <= ?"
        args: list = [time.time() - older_than]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        with self._lock:
            rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_entry(r) for r in rows]

    def depth(self) -> int:
        with self._lock:
            return self.conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]

    def counts(self) -> dict[str, int]:
        """How many entries are in each state (for status reports and the soak run)."""
        with self._lock:
            rows = self.conn.execute("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").fetchall()
        found = {r["state"]: r["n"] for r in rows}
        return {state.value: found.get(state.value, 0) for state in EntryState}


def _entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(id=row["id"], idempotency_key=row["idempotency_key"], kind=EntryKind(row["kind"]),
                       payload=json.loads(row["payload"]), state=EntryState(row["state"]), attempts=row["attempts"],
                       reference=row["reference"], last_error=row["last_error"], created_at=row["created_at"],
                       updated_at=row["updated_at"])
