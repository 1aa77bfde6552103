"""The audit log: who (staff, central, the system) did what on this terminal, and when.

Stored in SQLite; text that looks like an ID number or a mobile number is masked before it is written."""
from __future__ import annotations

import logging
import re
import sqlite3
import time
from dataclasses import dataclass
from typing import Callable

from kiosk.shared.masking import mask_id_number, mask_phone
from kiosk.shared.store import Transaction, db_lock

log = logging.getLogger(__name__)

ACTORS = ("staff", "central", "system")

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      REAL NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
"""

# No word boundaries on purpose: an ID number or a phone number glued to other
# digits (a +86 prefix, a long reference) is still masked. Masking too much in
# an audit line is harmless; leaking one is not.
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def mask_personal_data(text: str) -> str:
    """`text` with every ID-number-like and mobile-number-like run masked (340102********1234, 138****5678)."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log; `at` is Unix time."""
    at: float
    actor: str
    action: str
    detail: str = ""


class AuditLog:
    """Append-only audit log in the terminal's SQLite database."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], float] = time.time):
        self.conn = conn
        self.clock = clock
        conn.executescript(SCHEMA)

    def record(self, actor: str, action: str, detail: str = "") -> AuditEntry:
        """Append one entry; `detail` is masked before it is stored. Raises ValueError on a bad actor or action."""
        if actor not in ACTORS:
            raise ValueError(f"audit actor must be one of {', '.join(ACTORS)}, got {actor!r}")
        if not action or not action.strip():
            raise ValueError("audit action must not be empty")
        entry = AuditEntry(at=self.clock(), actor=actor, action=mask_personal_data(action.strip()),
                           detail=mask_personal_data(detail))
        with Transaction(self.conn) as conn:
            conn.execute("INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                         (entry.at, entry.actor, entry.action, entry.detail))
        log.info("audit: %s %s", entry.actor, entry.action)
        return entry

    def recent(self, n: int = 50) -> list[AuditEntry]:
        """The last `n` entries, newest first."""
        if n <= 0:
            return []
        with db_lock(self.conn):  # never read another thread's half-done transaction on this connection
            rows = self.conn.execute(
                "SELECT at, actor, action, detail FROM audit_log ORDER BY seq DESC LIMIT ?", (n,)).fetchall()
        return [AuditEntry(at=r["at"], actor=r["actor"], action=r["action"], detail=r["detail"]) for r in rows]
