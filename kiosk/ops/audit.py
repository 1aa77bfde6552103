"""The audit log: who (staff, central, the system) did what on this terminal, and when.

Stored in SQLite; text that looks like an ID number or a mobile number is masked before it is written."""
from __future__ import annotations

import logging
import re
import sqlite3
import time
from dataclasses import dataclass
from typing import Callable

from kiosk.core.forms import id_number_is_valid
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

# A run of exactly 18 digits (the last may be X) is masked as an ID number whatever it holds: masking too
# much is harmless, leaking one is not. Inside a longer run of digits (an application number such as
# 34010020261203000123, a reference) only a checksum-valid ID number with a real birth date is masked, so a
# 20-digit application number stays readable for staff. Phone numbers are masked wherever they appear (+86…).
_DIGIT_RUN = re.compile(r"\d{18,}|\d{17}[Xx]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
ID_LENGTH = 18


def _mask_ids_in_run(run: str) -> str:
    if len(run) == ID_LENGTH:
        return mask_id_number(run)
    out, i = [], 0
    while i <= len(run) - ID_LENGTH:
        window = run[i:i + ID_LENGTH]
        if id_number_is_valid(window):
            out.append(mask_id_number(window))
            i += ID_LENGTH
        else:
            out.append(run[i])
            i += 1
    out.append(run[i:])
    return "".join(out)


def mask_personal_data(text: str) -> str:
    """`text` with every ID-number-like and mobile-number-like run masked (340102********1234, 138****5678)."""
    text = _DIGIT_RUN.sub(lambda m: _mask_ids_in_run(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()) if not _inside_masked_run(text, m) else m.group(), text)


def _inside_masked_run(text: str, match: re.Match) -> bool:
    """True when a phone-like match lies inside a run of 20 or more digits (an application number): it is a part
    of that number, not a phone number (+86 and 0086 before a phone number make 13 and 15 digits)."""
    start, end = match.start(), match.end()
    while start > 0 and text[start - 1].isdigit():
        start -= 1
    while end < len(text) and text[end].isdigit():
        end += 1
    return end - start >= ID_LENGTH + 2


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
