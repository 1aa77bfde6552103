"""The terminal's data directory and its two databases: private (0700/0600), usable and undamaged.

`storage_problems` only looks (config check, status, outbox); `prepare_storage` readies it for `kiosk run`."""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kiosk.shared.store import DatabaseDamaged, StoreError, damage_of, make_private, open_db, set_aside

MIN_FREE_BYTES = 1024 * 1024       # room for the outbox, the print spool and the logs to grow a little
OUTBOX_DB = "kiosk.sqlite3"
SPOOL_DB = "spool.sqlite3"
DIR_MODE = 0o700


class StorageFault(Exception):
    """The data directory or a database cannot be used; the message is one line naming the file and the remedy."""


@dataclass(frozen=True)
class StorageReport:
    """What `prepare_storage` found and did that a technician should know (each a one-line note)."""
    notes: tuple[str, ...] = ()


def _nearest_existing(path: Path) -> Path:
    for parent in (path, *path.parents):
        try:
            parent.stat()
            return parent
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return parent
    return Path("/")


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def data_dir_problem(data_dir: Path, min_free: int = MIN_FREE_BYTES) -> str:
    """Why the kiosk could not keep its data in `data_dir` ("" when it can); creates and changes nothing."""
    try:
        info = data_dir.stat()
    except (FileNotFoundError, NotADirectoryError):
        existing = _nearest_existing(data_dir)
        if not existing.is_dir():
            return (f"{existing} is a file, so the data directory {data_dir} cannot be created: move that file "
                    "away or set data.dir to a folder")
        if _read_only_fs(existing):
            return (f"{data_dir} does not exist and {existing} is on a read-only file system: set data.dir to a "
                    "writable folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            return (f"{data_dir} does not exist and {existing} is not writable by this user: create it for the "
                    "kiosk's user (install-terminal.sh does) or set data.dir")
        return ""
    except OSError as exc:
        return f"{data_dir}: the data directory cannot be read ({exc.strerror}): check the disk and its permissions"
    if not stat.S_ISDIR(info.st_mode):
        return (f"{data_dir}: the data directory is a file, not a folder: move the file away or set data.dir "
                "to a folder")
    if _read_only_fs(data_dir):
        return (f"{data_dir}: the data directory is on a read-only file system: remount it read-write "
                "(check the disk for errors first) or set data.dir to a writable folder")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return (f"{data_dir}: the data directory is not writable by this user: run this as the kiosk's user "
                "(sudo), or give the folder to that user (chown) or set data.dir")
    free = shutil.disk_usage(data_dir).free
    if free < min_free:
        return (f"{data_dir}: only {free // 1024} KiB free on its disk, the kiosk needs at least "
                f"{min_free // 1024} KiB for its outbox, print spool and logs: free some space, then start again")
    return ""


@dataclass(frozen=True)
class DatabaseCheck:
    """What a read-only look at a SQLite file found: `damaged` (not a database, malformed) or another cause."""
    damaged: bool
    cause: str


def database_problem(path: Path) -> DatabaseCheck | None:
    """Why the SQLite file at `path` cannot be used (None when it can, or does not exist yet); opened read-only."""
    if not path.exists():
        return None
    if not path.is_file():
        return DatabaseCheck(False, "not a file: move it away")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=10.0)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return DatabaseCheck(damage_of(exc), str(exc))
    if rows != [("ok",)]:
        return DatabaseCheck(True, rows[0][0])
    return None


def damaged_outbox_message(path: Path, cause: str) -> str:
    return (f"{path} is damaged ({cause}); it may hold requests not yet sent to central, so the kiosk will not "
            f"start over it: stop the kiosk, keep a copy for a technician (who may rescue rows with "
            f"`sqlite3 {path.name} .recover`), then move it aside (mv {path.name} {path.name}.damaged) and start again")


def storage_problems(data_dir: Path, min_free: int = 0) -> list[str]:
    """Everything that keeps the data directory or its databases from being used; creates nothing."""
    problem = data_dir_problem(data_dir, min_free)
    if problem or not data_dir.is_dir():
        return [problem] if problem else []
    problems = []
    outbox = database_problem(data_dir / OUTBOX_DB)
    if outbox:
        problems.append(damaged_outbox_message(data_dir / OUTBOX_DB, outbox.cause) if outbox.damaged
                        else f"{data_dir / OUTBOX_DB} cannot be opened ({outbox.cause}): {_remedy(data_dir)}")
    spool = database_problem(data_dir / SPOOL_DB)
    if spool and spool.damaged:
        problems.append(f"{data_dir / SPOOL_DB} is damaged ({spool.cause}); the kiosk sets this print spool aside "
                        "when it starts (its unprinted slips are not printed) and continues with an empty one")
    elif spool:
        problems.append(f"{data_dir / SPOOL_DB} cannot be opened ({spool.cause}): {_remedy(data_dir)}")
    return problems


def _make_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        problem = data_dir_problem(data_dir)
        raise StorageFault(problem or f"{data_dir}: the data directory cannot be created ({exc.strerror})") from None
    make_private(data_dir, DIR_MODE)


def prepare_storage(data_dir: Path, min_free: int = MIN_FREE_BYTES, clock=time.time) -> StorageReport:
    """Create the data directory (0700), check space, make the databases private (0600) and check them.

    A damaged outbox database stops the start (StorageFault); a damaged print spool is set aside with a
    timestamp and the kiosk continues with a new one."""
    _make_dir(data_dir)
    problem = data_dir_problem(data_dir, min_free)
    if problem:
        raise StorageFault(problem)
    notes: list[str] = []
    outbox = data_dir / OUTBOX_DB
    wal, shm = Path(f"{outbox}-wal"), Path(f"{outbox}-shm")
    if outbox.exists() and shm.exists() and not wal.exists():
        notes.append(f"{wal} is missing though {shm.name} is there: transactions committed since the last "
                     "checkpoint before the kiosk stopped are lost (see docs/reliability.md, 'a deleted WAL')")
    for path in (outbox, data_dir / SPOOL_DB):
        try:
            conn = open_db(path)
            try:
                rows = conn.execute("PRAGMA quick_check").fetchall()
            except sqlite3.DatabaseError as exc:
                raise DatabaseDamaged(f"{path}: {exc}", str(exc)) from exc
            finally:
                conn.close()
            if [tuple(r) for r in rows] != [("ok",)]:
                raise DatabaseDamaged(f"{path}: damaged ({rows[0][0]})", rows[0][0])
        except DatabaseDamaged as exc:
            cause = exc.cause
            if path == outbox:
                raise StorageFault(damaged_outbox_message(path, cause)) from None
            moved = set_aside(path, clock)
            notes.append(f"{path} was damaged ({cause}) and was moved to {moved.name}; its unprinted slips are "
                         "not printed; the kiosk continues with a new, empty print spool")
        except StoreError as exc:
            raise StorageFault(f"{exc}: {_remedy(data_dir)}") from None
    return StorageReport(tuple(notes))


def _remedy(data_dir: Path) -> str:
    problem = data_dir_problem(data_dir, 0)
    return problem.split(": ", 1)[-1] if problem else "check the disk (free space, errors) and the file's owner"


def outbox_problem(data_dir: Path, min_free: int = MIN_FREE_BYTES) -> tuple[str, bool]:
    """(why the outbox cannot be used, whether it can still be read) for `kiosk outbox`; ("", True) when fine."""
    path = data_dir / OUTBOX_DB
    problem = data_dir_problem(data_dir, min_free)
    if not data_dir.is_dir() or not path.exists():
        return problem, False
    check = database_problem(path)
    if check and check.damaged:
        return damaged_outbox_message(path, check.cause), False
    if check:
        return problem or f"{path} cannot be opened ({check.cause}): {_remedy(data_dir)}", False
    return problem, True


__all__ = ["StorageFault", "StorageReport", "data_dir_problem", "database_problem", "damage_of",
           "outbox_problem", "prepare_storage", "storage_problems"]
