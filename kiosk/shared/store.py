"""SQLite connections for everything that must survive a crash (WAL, synchronous=FULL).

Each owner (outbox, print spool, catalogue cache, audit) creates its own tables through `open_db`."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Literal


class StoreError(Exception):
    """The local database could not be opened or written (disk full, corrupt, read-only)."""


def open_db(path: str | Path, schema: str = "") -> sqlite3.Connection:
    """Open (creating if needed) a SQLite database in WAL mode with full fsync, then apply `schema`.

    The connection may be used from several threads; callers serialise writes with `db_lock(conn)`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        if schema:
            conn.executescript(schema)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open the local database: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the data directory: {exc}") from exc
    conn.row_factory = sqlite3.Row
    _LOCKS[id(conn)] = threading.RLock()
    return conn


_LOCKS: dict[int, threading.RLock] = {}


def db_lock(conn: sqlite3.Connection) -> threading.RLock:
    """The lock that serialises transactions on `conn` across threads."""
    return _LOCKS.setdefault(id(conn), threading.RLock())


class Transaction:
    """`with Transaction(conn):` runs BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error, under the conn's lock."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.lock = db_lock(conn)

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self.lock.release()
            raise StoreError(f"cannot start a transaction: {exc}") from exc
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        try:
            if exc_type is None:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as commit_error:
                    self._rollback()
                    raise StoreError(f"cannot write to the local database: {commit_error}") from commit_error
            else:
                self._rollback()
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, StoreError):
                    raise StoreError(f"cannot write to the local database: {exc}") from exc
        finally:
            self.lock.release()
        return False

    def _rollback(self) -> None:
        """Undo the transaction; SQLite may already have rolled it back itself (e.g. on a full disk)."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the original error is what the caller needs to see
