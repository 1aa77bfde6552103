"""SQLite connections for everything that must survive a crash (WAL, synchronous=FULL).

Each owner (outbox, print spool, catalogue cache, audit) creates its own tables through `open_db`."""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Literal

from kiosk.errors import StoreError  # noqa: F401  defined in kiosk.errors, kept importable from here

log = logging.getLogger(__name__)

FILE_MODE = 0o600       # the databases hold citizens' requests until they are settled: the kiosk's user only
DIR_MODE = 0o700
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


class DatabaseDamaged(StoreError):
    """The file is not a SQLite database, or SQLite found it malformed; `cause` is SQLite's words."""

    def __init__(self, message: str, cause: str = ""):
        super().__init__(message)
        self.cause = cause or message


def damage_of(exc: sqlite3.Error) -> bool:
    """True when SQLite's error says the file is damaged (not a database, malformed) rather than unwritable."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


def make_private(path: Path, mode: int) -> None:
    """Take group and other access away from `path` (a database, its -wal/-shm, the data directory)."""
    try:
        current = path.stat().st_mode & 0o777
        if current & ~mode:
            os.chmod(path, current & mode)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("%s: cannot make it private (mode %04o): %s", path, mode, exc.strerror)


def create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it: SQLite gives -wal and -shm the file's mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        make_private(each, FILE_MODE)


def set_aside(path: Path, clock=time.time) -> Path:
    """Rename a damaged database (and its -wal/-shm) to <name>.damaged-<UTC timestamp>; the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock()))
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{path}{suffix}")
        if extra.exists():
            extra.rename(Path(f"{target}{suffix}"))
    path.rename(target)
    return target


def open_db(path: str | Path, schema: str = "") -> sqlite3.Connection:
    """Open (creating if needed) a SQLite database in WAL mode with full fsync, then apply `schema`.

    The connection may be used from several threads; callers serialise writes with `db_lock(conn)`."""
    path = Path(path)
    conn = None
    try:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        create_private(path)
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        if schema:
            conn.executescript(schema)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        if damage_of(exc):
            raise DatabaseDamaged(f"{path}: the local database is damaged: {exc}", str(exc)) from exc
        raise StoreError(f"{path}: cannot open the local database: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the local database: {exc.strerror or exc}") from exc
    conn.row_factory = sqlite3.Row
    _LOCKS[id(conn)] = threading.RLock()
    return conn


_LOCKS: dict[int, threading.RLock] = {}


def open_db_setting_aside_damaged(path: str | Path, schema: str = "") -> sqlite3.Connection:
    """`open_db`, but a damaged file is renamed aside (see `set_aside`) and a new, empty one is made.

    For data the kiosk can lose without losing a citizen's request (the print spool)."""
    try:
        return open_db(path, schema)
    except DatabaseDamaged as exc:
        moved = set_aside(Path(path))
        log.warning("%s; it was moved to %s and a new, empty one is used", exc, moved.name)
        return open_db(path, schema)


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
