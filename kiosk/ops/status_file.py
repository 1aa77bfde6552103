"""The running terminal's state as a small JSON file (data_dir/status.json) for `kiosk status` and technicians.

The application rewrites it every few seconds; a reader tells running, stale (not updated) and not running apart."""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import MISSING, asdict, dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, Callable, cast

from kiosk.ops.atomic import write_atomic
from kiosk.version import __version__

STATUS_FILE_NAME = "status.json"
WRITE_INTERVAL = 5.0
STALE_FACTOR = 3



class ReadingState(StrEnum):
    """What `kiosk status` found: the words are printed as they are (upper-cased for problems)."""
    RUNNING = "running"
    STALE = "stale"
    NOT_RUNNING = "not running"
    NO_STATUS = "no status"
    UNREADABLE = "unreadable"


RUNNING, STALE, NOT_RUNNING, NO_STATUS, UNREADABLE = ReadingState


class StatusFileError(ValueError):
    """The status file exists but does not hold a status this version can read."""


@dataclass(frozen=True)
class TerminalStatus:
    """What a technician needs to see about the running terminal. Times are Unix times; no personal data."""
    version: str
    pid: int
    started_at: float
    uptime: float
    printer_state: str
    printer_detail: str
    spool_depth: int
    outbox_depth: int
    central_reachable: bool | None
    clock_offset: float | None
    last_heartbeat: float | None
    session_active: bool
    out_of_service: bool
    out_of_service_message: str
    updated_at: float
    write_interval: float = WRITE_INTERVAL
    terminal_id: str = ""
    process_start: int | None = None  # the kernel's start time of `pid` (clock ticks), to spot a reused pid
    outbox_waiting_since: float | None = None   # when the oldest waiting request was made
    outbox_last_error: str = ""                  # central's last answer to it (clock_skew, 503, ...)
    undelivered_slips: int = 0                   # slips held for staff after their visit ended unprinted

    def to_json(self) -> dict[str, Any]:
        """The status as JSON values; a number that is not finite (a broken clock) becomes null, or 0 where
        the field cannot be null, so the file never holds Infinity or NaN."""
        values = asdict(self)
        for f in fields(self):
            value = values[f.name]
            if isinstance(value, float) and not math.isfinite(value):
                values[f.name] = None if f.type.endswith(" | None") else 0.0
        return values

    @classmethod
    def from_json(cls, obj: Any) -> "TerminalStatus":
        if not isinstance(obj, dict):
            raise StatusFileError("the status is not a JSON object")
        values = {}
        for f in fields(cls):
            if f.name not in obj:
                if f.default is not MISSING:
                    continue
                raise StatusFileError(f"the status lacks '{f.name}'")
            values[f.name] = _checked(f.name, obj[f.name], str(f.type))
        return cls(**values)


_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def _checked(name: str, value: Any, type_text: str) -> Any:
    optional = type_text.endswith(" | None")
    base = type_text.removesuffix(" | None")
    if value is None and optional:
        return None
    allowed = _TYPES[base]
    if isinstance(value, bool) and base != "bool" or not isinstance(value, allowed):
        raise StatusFileError(f"the status field '{name}' should be {base}, got {value!r}")
    if base != "float":
        return value
    number = float(cast(float, value))
    if not math.isfinite(number):
        raise StatusFileError(f"the status field '{name}' is not a finite number")
    return number


def _no_constant(name: str) -> Any:
    raise StatusFileError("the status holds a number that is not finite")


def status_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / STATUS_FILE_NAME


def process_start_ticks(pid: int) -> int | None:
    """The start time of process `pid` in clock ticks since boot (Linux /proc), or None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (comm) may hold spaces and parentheses: split after its last ')'.
    rest = stat.rpartition(")")[2].split()
    try:
        return int(rest[19])
    except (IndexError, ValueError):
        return None


def write_status(data_dir: str | Path, status: TerminalStatus) -> Path:
    """Replace data_dir/status.json atomically. Not fsync'ed: it is rewritten every few seconds, and
    syncing that often would wear a terminal's flash for nothing."""
    path = status_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(status.to_json(), ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")
    write_atomic(path, data, mode=0o644, durable=False)
    return path


class StatusRecorder:
    """Builds this process's TerminalStatus (version, pid, uptime, times) and writes it; the caller supplies
    the rest every `interval` seconds, from the event loop so a hung loop shows as 'stale'."""

    def __init__(self, data_dir: str | Path, terminal_id: str = "", interval: float = WRITE_INTERVAL,
                 clock: Callable[[], float] = time.time):
        if interval <= 0:
            raise ValueError(f"the status write interval must be greater than 0, got {interval}")
        self.data_dir = Path(data_dir)
        self.terminal_id = terminal_id
        self.interval = interval
        self.clock = clock
        self.started_at = clock()
        self.pid = os.getpid()
        self.process_start = process_start_ticks(self.pid)

    def write(self, *, printer_state: str = "unknown", printer_detail: str = "", spool_depth: int = 0,
              outbox_depth: int = 0, central_reachable: bool | None = None, clock_offset: float | None = None,
              last_heartbeat: float | None = None, session_active: bool = False, out_of_service: bool = False,
              out_of_service_message: str = "", outbox_waiting_since: float | None = None,
              outbox_last_error: str = "", undelivered_slips: int = 0) -> TerminalStatus:
        now = self.clock()
        status = TerminalStatus(
            version=__version__, pid=self.pid, started_at=self.started_at, uptime=max(0.0, now - self.started_at),
            printer_state=printer_state, printer_detail=printer_detail, spool_depth=spool_depth,
            outbox_depth=outbox_depth, central_reachable=central_reachable, clock_offset=clock_offset,
            last_heartbeat=last_heartbeat, session_active=session_active, out_of_service=out_of_service,
            out_of_service_message=out_of_service_message, updated_at=now, write_interval=self.interval,
            terminal_id=self.terminal_id, process_start=self.process_start,
            outbox_waiting_since=outbox_waiting_since, outbox_last_error=outbox_last_error,
            undelivered_slips=undelivered_slips)
        write_status(self.data_dir, status)
        return status


@dataclass(frozen=True)
class StatusReading:
    """What `read_status` found: `state` is one of running, stale, not running, no status, unreadable."""
    state: ReadingState
    status: TerminalStatus | None
    age: float | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.state == RUNNING


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user (the kiosk user)
    return True


def _same_process(status: TerminalStatus) -> bool:
    """False when the pid is alive but belongs to a newer process than the one that wrote the file."""
    if status.process_start is None:
        return True
    now_start = process_start_ticks(status.pid)
    return now_start is None or now_start == status.process_start


def read_status(data_dir: str | Path, now: float | None = None) -> StatusReading:
    """Read data_dir/status.json and judge it: not running (its process is gone), stale (not updated for more
    than 3 × its write interval), or running."""
    path = status_path(data_dir)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return StatusReading(NO_STATUS, None, None, f"{path} does not exist: the kiosk has not run with this "
                                                    "data directory")
    except (OSError, UnicodeDecodeError) as exc:
        return StatusReading(UNREADABLE, None, None, f"{path} cannot be read: {exc}")
    try:
        status = TerminalStatus.from_json(json.loads(raw, parse_constant=_no_constant))
    except (ValueError, RecursionError) as exc:
        return StatusReading(UNREADABLE, None, None, f"{path} does not hold a readable status: {exc}")
    now = time.time() if now is None else now
    age = now - status.updated_at
    if not _pid_alive(status.pid) or not _same_process(status):
        return StatusReading(NOT_RUNNING, status, age, f"process {status.pid} is gone")
    if age > STALE_FACTOR * status.write_interval:
        return StatusReading(STALE, status, age, f"not updated for {age:.0f} s (expected every "
                                                 f"{status.write_interval:g} s): the kiosk may be hung")
    return StatusReading(RUNNING, status, age)
