"""Whether the terminal is in service, the out-of-service message, and the notice shown on the home screen.

Kept in SQLite so that "out of service" survives a restart; changes by staff or central are audited."""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Callable

from kiosk.shared.store import Transaction, db_lock
from kiosk.ops.audit import AuditLog

MAX_MESSAGE_CHARS = 200

SCHEMA = """
CREATE TABLE IF NOT EXISTS service_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    out_of_service  INTEGER NOT NULL DEFAULT 0,
    message         TEXT NOT NULL DEFAULT '',
    notice          TEXT NOT NULL DEFAULT '',
    changed_at      REAL NOT NULL DEFAULT 0,
    changed_by      TEXT NOT NULL DEFAULT 'system'
);
INSERT OR IGNORE INTO service_state (id) VALUES (1);
"""


@dataclass(frozen=True)
class ServiceSetting:
    """`message` is shown while out of service; `notice` (from show_message) on the home screen."""
    out_of_service: bool
    message: str
    notice: str
    changed_at: float
    changed_by: str


class ServiceState:
    """The terminal's service mode, read by the UI at start and changed by staff or central."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], float] = time.time,
                 audit: AuditLog | None = None):
        self.conn = conn
        self.clock = clock
        self.audit = audit if audit is not None else AuditLog(conn, clock=clock)
        conn.executescript(SCHEMA)

    def current(self) -> ServiceSetting:
        with db_lock(self.conn):
            row = self.conn.execute("SELECT * FROM service_state WHERE id = 1").fetchone()
        return ServiceSetting(out_of_service=bool(row["out_of_service"]), message=row["message"], notice=row["notice"],
                           changed_at=row["changed_at"], changed_by=row["changed_by"])

    def _set(self, actor: str, action: str, detail: str, **values) -> ServiceSetting:
        if actor not in ("staff", "central", "system"):
            raise ValueError(f"actor must be staff, central or system, got {actor!r}")
        assignments = ", ".join(f"{column} = ?" for column in values)
        with Transaction(self.conn) as conn:
            conn.execute(f"UPDATE service_state SET {assignments}, changed_at = ?, changed_by = ? WHERE id = 1",
                         (*values.values(), self.clock(), actor))
        self.audit.record(actor, action, detail)
        return self.current()

    def set_out_of_service(self, message: str, actor: str) -> ServiceSetting:
        """Stop accepting citizens and show `message` (with the hall's contact) instead of the home screen."""
        return self._set(actor, "service.out", "", out_of_service=1, message=_checked(message))

    def set_in_service(self, actor: str) -> ServiceSetting:
        return self._set(actor, "service.in", "", out_of_service=0, message="")

    def show_notice(self, notice: str, actor: str) -> ServiceSetting:
        """A notice for citizens on the home screen (an empty one removes it)."""
        return self._set(actor, "service.notice", "", notice=_checked(notice))


def _checked(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValueError(f"a message for the screen is at most {MAX_MESSAGE_CHARS} characters, got {len(text)}")
    return text
