"""Commands from central (restart, reload catalogue, out of service on/off, show a message), kept in SQLite.

They are applied only between citizens' sessions, each once, and acknowledged in the next heartbeat."""
from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from kiosk.central.models import COMMAND_KINDS, Command
from kiosk.errors import KioskError
from kiosk.ops.audit import AuditLog
from kiosk.shared.store import Transaction, db_lock

log = logging.getLogger(__name__)

# Acknowledged commands are kept this long so that a late duplicate from central is still recognised.
KEEP_ACKNOWLEDGED_SECONDS = 30 * 24 * 3600.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS remote_commands (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    received_at  REAL NOT NULL,
    applied_at   REAL,
    acked_at     REAL
);
"""


class CommandQueue:
    """Durable queue of remote commands: received → applied (between sessions) → acknowledged to central.

    The applier takes `due()` in order, marks each applied *before* acting on it (so a restart is not
    repeated after the restart), and stops after a restart: the rest stay due for the next process."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], float] = time.time,
                 audit: AuditLog | None = None):
        self.conn = conn
        self.clock = clock
        self.audit = audit
        conn.executescript(SCHEMA)

    def receive(self, commands: Iterable[Command]) -> list[Command]:
        """Store commands from a heartbeat answer; returns the ones not seen before (a repeat is ignored)."""
        new: list[Command] = []
        commands = list(commands)
        for command in commands:
            if not isinstance(command, Command) or command.kind not in COMMAND_KINDS or not command.id:
                raise ValueError(f"not a valid remote command: {command!r}")
        now = self.clock()
        with Transaction(self.conn) as conn:
            for command in commands:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO remote_commands (id, kind, message, received_at) VALUES (?, ?, ?, ?)",
                    (command.id, command.kind, command.message, now))
                if cursor.rowcount:
                    new.append(command)
        for command in new:
            log.info("remote command %s received: %s", command.id, command.kind)
            if self.audit:
                self.audit.record("central", f"command.received.{command.kind}", f"id {command.id}")
        return new

    def due(self, session_active: bool) -> list[Command]:
        """Commands to apply now, oldest first; none while a citizen's session is active."""
        if session_active:
            return []
        with db_lock(self.conn):  # never read another thread's half-done transaction on this connection
            rows = self.conn.execute(
                "SELECT id, kind, message FROM remote_commands WHERE applied_at IS NULL ORDER BY seq").fetchall()
        return [Command(id=r["id"], kind=r["kind"], message=r["message"]) for r in rows]

    def mark_applied(self, command_id: str) -> None:
        """Record that the command was (or is about to be) applied; raises KeyError for an unknown id."""
        with Transaction(self.conn) as conn:
            row = conn.execute("SELECT kind, applied_at FROM remote_commands WHERE id = ?", (command_id,)).fetchone()
            if row is None:
                raise KeyError(f"no remote command with id {command_id!r}")
            if row["applied_at"] is not None:
                return
            conn.execute("UPDATE remote_commands SET applied_at = ? WHERE id = ?", (self.clock(), command_id))
        log.info("remote command %s applied: %s", command_id, row["kind"])
        if self.audit:
            self.audit.record("central", f"command.applied.{row['kind']}", f"id {command_id}")

    def acks(self) -> list[str]:
        """Ids applied but not yet acknowledged to central, oldest first."""
        with db_lock(self.conn):
            rows = self.conn.execute("SELECT id FROM remote_commands WHERE applied_at IS NOT NULL "
                                     "AND acked_at IS NULL ORDER BY seq").fetchall()
        return [r["id"] for r in rows]

    def acknowledged(self, ids: Iterable[str]) -> None:
        """Central has received these acknowledgements (the heartbeat carrying them succeeded)."""
        now = self.clock()
        with Transaction(self.conn) as conn:
            conn.executemany("UPDATE remote_commands SET acked_at = ? WHERE id = ? AND applied_at IS NOT NULL "
                             "AND acked_at IS NULL", [(now, i) for i in ids])
            conn.execute("DELETE FROM remote_commands WHERE acked_at IS NOT NULL AND acked_at < ?",
                         (now - KEEP_ACKNOWLEDGED_SECONDS,))

    def pending(self) -> list[Command]:
        """Commands received and not yet applied (for the staff screen), whatever the session state."""
        return self.due(session_active=False)


@dataclass(frozen=True)
class ApplyResult:
    """What `apply_due` did: the commands applied, whether the process must now restart, and the command
    that failed (it stays due and is tried again next time, with those after it)."""
    applied: tuple[Command, ...] = ()
    restart: bool = False
    failed: Command | None = None


def apply_due(queue: CommandQueue, session_active: bool,
              handlers: Mapping[str, Callable[[Command], None]]) -> ApplyResult:
    """Apply the due commands in order through `handlers` (one per kind except "restart").

    Nothing happens during a session. Each command is marked applied after its handler returns; a restart
    is marked applied *before* and ends the run with `restart=True`: the caller then restarts the process,
    and the restarted process acknowledges it. A handler that raises stops the run; that command stays due."""
    missing = [kind for kind in COMMAND_KINDS if kind != "restart" and kind not in handlers]
    if missing:
        raise ValueError(f"no handler for remote commands: {', '.join(missing)}")
    applied: list[Command] = []
    for command in queue.due(session_active):
        if command.kind == "restart":
            queue.mark_applied(command.id)
            return ApplyResult(applied=tuple(applied) + (command,), restart=True)
        try:
            handlers[command.kind](command)
        except (KioskError, OSError) as exc:   # a handler's expected failures; a bug propagates to the caller
            log.warning("remote command %s (%s) failed (%s); it will be tried again", command.id, command.kind,
                        type(exc).__name__)
            if queue.audit:
                queue.audit.record("central", f"command.failed.{command.kind}", f"id {command.id}")
            return ApplyResult(applied=tuple(applied), failed=command)
        queue.mark_applied(command.id)
        applied.append(command)
    return ApplyResult(applied=tuple(applied))
