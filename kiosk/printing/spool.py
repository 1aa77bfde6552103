"""The print spool in SQLite: a job is stored before its bytes go out and stays until the printer confirms.

A job that was being sent when the kiosk died, or that a printer dropped, is marked `may_be_printed`:
printed again, it carries 重印. A citizen's slip that did not come out while they were there is *held* for
staff (never printed into an empty tray later); a staff reprint closes it."""
from __future__ import annotations

import enum
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.shared.store import Transaction, open_db
from kiosk.printing.status import PrinterState, PrinterStatus
from kiosk.receipt.model import Receipt

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    title TEXT NOT NULL,
    receipt TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'done')),
    attempts INTEGER NOT NULL DEFAULT 0,
    may_be_printed INTEGER NOT NULL DEFAULT 0,
    reprint_of INTEGER REFERENCES print_jobs(id) ON DELETE SET NULL,
    last_status TEXT NOT NULL DEFAULT '{}',
    printed_at REAL
);
CREATE INDEX IF NOT EXISTS print_jobs_state ON print_jobs(state, id);
"""

# Columns added after the first release; `_upgrade` adds them to an older spool.
LATER_COLUMNS = {
    "kind": "TEXT NOT NULL DEFAULT 'slip'",     # 'slip' (a citizen's) or 'test' (a technician's test page)
    "slip_key": "TEXT",                          # the application number: one slip per application
    "held_at": "REAL",                           # set aside for staff: its visit ended before it printed
    "closed_by": "INTEGER",                      # the staff reprint that delivered a held slip
}


class JobKind(enum.StrEnum):
    SLIP = "slip"      # a citizen's document or receipt
    TEST = "test"      # a technician's test page


class JobState(enum.StrEnum):
    QUEUED = "queued"      # stored, not (completely) sent
    SENDING = "sending"    # bytes are going out: from here on it may be on paper
    DONE = "done"          # the printer confirmed it (or staff delivered it by a reprint)


KINDS = tuple(JobKind)


@dataclass(frozen=True)
class SpoolJob:
    """One slip in the spool; `receipt_to_print` adds 重印 when it may already be on paper."""
    id: int
    created_at: float
    updated_at: float
    title: str
    receipt: Receipt
    state: JobState
    attempts: int
    may_be_printed: bool
    reprint_of: int | None
    last_status: PrinterStatus
    printed_at: float | None
    kind: JobKind = JobKind.SLIP
    slip_key: str | None = None
    held_at: float | None = None
    closed_by: int | None = None

    @property
    def finished(self) -> bool:
        return self.state is JobState.DONE

    @property
    def held(self) -> bool:
        """Not delivered: waiting for staff to reprint it (never printed by itself)."""
        return self.held_at is not None and not self.finished

    @property
    def receipt_to_print(self) -> Receipt:
        return self.receipt.as_reprint() if self.may_be_printed or self.reprint_of else self.receipt


class PrintSpool:
    """The durable queue of slips (one SQLite file, WAL, fsync on commit)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn = open_db(self.path, SCHEMA)
        self._upgrade()

    def _upgrade(self) -> None:
        with Transaction(self.conn) as db:
            present = {row["name"] for row in db.execute("PRAGMA table_info(print_jobs)")}
            for column, declaration in LATER_COLUMNS.items():
                if column not in present:
                    db.execute(f"ALTER TABLE print_jobs ADD COLUMN {column} {declaration}")
            db.execute("CREATE UNIQUE INDEX IF NOT EXISTS print_jobs_slip_key ON print_jobs(slip_key) "
                       "WHERE slip_key IS NOT NULL")

    def close(self) -> None:
        self.conn.close()

    def add(self, receipt: Receipt, reprint_of: int | None = None, *, kind: str = "slip",
            slip_key: str | None = None, held: bool = False) -> int:
        """Store a new job (committed before this returns); its id. A second job for the same `slip_key`
        is not stored: the first one's id comes back (one slip per application, however often it is asked)."""
        if kind not in KINDS:
            raise ValueError(f"print job kind must be one of {', '.join(KINDS)}, got {kind!r}")
        now = time.time()
        with Transaction(self.conn) as db:
            if slip_key is not None:
                row = db.execute("SELECT id FROM print_jobs WHERE slip_key = ?", (slip_key,)).fetchone()
                if row is not None:
                    return int(row["id"])
            cur = db.execute(
                "INSERT INTO print_jobs (created_at, updated_at, title, receipt, state, reprint_of, kind, "
                "slip_key, held_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
                (now, now, receipt.title, json.dumps(receipt.to_json(), ensure_ascii=False), reprint_of, kind,
                 slip_key, now if held else None))
            job_id = int(cur.lastrowid or 0)
        log.info("spool: job %d stored%s", job_id, " and held for staff" if held else "")
        return job_id

    def hold(self, job_id: int) -> None:
        """Its citizen is gone: keep the slip for staff instead of printing it into an empty tray."""
        with Transaction(self.conn) as db:
            db.execute("UPDATE print_jobs SET held_at = ?, updated_at = ? WHERE id = ? AND state != 'done' "
                       "AND held_at IS NULL", (time.time(), time.time(), job_id))
        log.info("spool: job %d held for staff (not delivered)", job_id)

    def close_held(self, job_id: int, delivered_by: int) -> None:
        """A staff reprint delivered the held slip `job_id`: it is done, pointing at the reprint."""
        now = time.time()
        with Transaction(self.conn) as db:
            db.execute("UPDATE print_jobs SET state = 'done', closed_by = ?, updated_at = ? WHERE id = ? "
                       "AND state != 'done'", (delivered_by, now, job_id))

    def drop(self, job_id: int, why: str) -> None:
        """Forget an unfinished job that must not print any more (a test page nobody waits for)."""
        with Transaction(self.conn) as db:
            db.execute("DELETE FROM print_jobs WHERE id = ? AND state != 'done'", (job_id,))
        log.info("spool: job %d dropped: %s", job_id, why)

    def find(self, slip_key: str) -> SpoolJob | None:
        row = self.conn.execute("SELECT * FROM print_jobs WHERE slip_key = ?", (slip_key,)).fetchone()
        return self._job(row) if row else None

    def held(self) -> list[SpoolJob]:
        """Slips not delivered, waiting for staff, oldest first."""
        rows = self.conn.execute("SELECT * FROM print_jobs WHERE held_at IS NOT NULL AND state != 'done' "
                                 "ORDER BY id").fetchall()
        return [self._job(r) for r in rows]

    def mark_sending(self, job_id: int) -> None:
        """From here on the slip may be on paper, whatever happens next."""
        with Transaction(self.conn) as db:
            db.execute("UPDATE print_jobs SET state = 'sending', attempts = attempts + 1, may_be_printed = 1, "
                       "updated_at = ? WHERE id = ?", (time.time(), job_id))

    def mark_queued(self, job_id: int, status: PrinterStatus) -> None:
        with Transaction(self.conn) as db:
            db.execute("UPDATE print_jobs SET state = 'queued', last_status = ?, updated_at = ? WHERE id = ?",
                       (json.dumps(status.to_json()), time.time(), job_id))
        log.info("spool: job %d stays queued (%s %s)", job_id, status.state.value, status.error_kind)

    def mark_done(self, job_id: int, status: PrinterStatus) -> None:
        now = time.time()
        with Transaction(self.conn) as db:
            db.execute("UPDATE print_jobs SET state = 'done', last_status = ?, printed_at = ?, updated_at = ? "
                       "WHERE id = ?", (json.dumps(status.to_json()), now, now, job_id))
        log.info("spool: job %d done", job_id)

    def _job(self, row) -> SpoolJob:
        return SpoolJob(
            id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"], title=row["title"],
            receipt=Receipt.from_json(json.loads(row["receipt"])), state=JobState(row["state"]), attempts=row["attempts"],
            may_be_printed=bool(row["may_be_printed"]), reprint_of=row["reprint_of"],
            last_status=PrinterStatus.from_json(json.loads(row["last_status"] or "{}"))
            if row["last_status"] != "{}" else PrinterStatus(PrinterState.UNKNOWN, detail="not tried yet"),
            printed_at=row["printed_at"], kind=JobKind(row["kind"]), slip_key=row["slip_key"], held_at=row["held_at"],
            closed_by=row["closed_by"])

    def get(self, job_id: int) -> SpoolJob | None:
        row = self.conn.execute("SELECT * FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
        return self._job(row) if row else None

    def unfinished(self) -> list[SpoolJob]:
        """Jobs not yet confirmed, oldest first."""
        rows = self.conn.execute("SELECT * FROM print_jobs WHERE state != 'done' ORDER BY id").fetchall()
        return [self._job(r) for r in rows]

    def recent(self, limit: int = 20) -> list[SpoolJob]:
        rows = self.conn.execute("SELECT * FROM print_jobs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [self._job(r) for r in rows]

    def purge_done(self, older_than_seconds: float) -> int:
        """Forget confirmed slips older than this (they hold masked personal data); how many went."""
        with Transaction(self.conn) as db:
            cur = db.execute("DELETE FROM print_jobs WHERE state = 'done' AND printed_at < ?",
                             (time.time() - older_than_seconds,))
            return cur.rowcount
