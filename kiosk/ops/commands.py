"""Sub-commands of `kiosk` owned by kiosk.ops: `kiosk status` and `kiosk outbox`.

They tell a technician, in plain words, how the terminal is and what still waits to be sent to central."""
from __future__ import annotations

import json
import math
import sys
import time

from kiosk.shared.store import StoreError
from kiosk.ops.status_file import NOT_RUNNING, RUNNING, STALE, StatusReading, TerminalStatus, read_status

# Exit codes of `kiosk status` (3 for "not running" as `systemctl status` does).
EXIT_RUNNING = 0
EXIT_STALE = 1
EXIT_CONFIG = 2
EXIT_NOT_RUNNING = 3
EXIT_UNREADABLE = 4
EXIT_STORAGE = 2   # the data directory or a database cannot be used (as for a bad config: a technician must act)

_EXIT_CODES = {RUNNING: EXIT_RUNNING, STALE: EXIT_STALE, NOT_RUNNING: EXIT_NOT_RUNNING}

PRINTER_WORDS = {
    "ready": "ready",
    "paper_low": "paper low: load a new roll soon",
    "paper_out": "OUT OF PAPER: open the cover and load a roll of thermal paper",
    "cover_open": "COVER OPEN: close the printer cover",
    "offline": "OFFLINE: check the printer's power and cable",
    "busy": "busy printing",
    "error": "ERROR: switch the printer off and on; call a technician if it stays",
    "unknown": "no answer from the printer (not the same as out of paper): check power and cable",
}

CLOCK_WARNING_SECONDS = 60.0


def register(subparsers) -> None:
    """Add `kiosk status` to the `kiosk` parser."""
    status = subparsers.add_parser("status", help="show the running terminal's state (for technicians)")
    status.add_argument("--config", help="configuration file (default: as for `kiosk run`)")
    status.add_argument("--json", action="store_true", help="print the state as JSON")
    status.set_defaults(func=_status)

    outbox = subparsers.add_parser("outbox", help="what waits to be sent to central; --replay sends it now")
    outbox.add_argument("--config", help="configuration file (default: as for `kiosk run`)")
    outbox.add_argument("--replay", action="store_true", help="send the waiting entries to central now")
    outbox.set_defaults(func=_outbox)


def _status(args) -> int:
    from kiosk.console import load_or_report
    from kiosk.core.storage import MIN_FREE_BYTES, storage_problems

    config = load_or_report(args.config)
    if config is None:
        return EXIT_CONFIG
    storage = storage_problems(config.data_dir, MIN_FREE_BYTES)
    reading = read_status(config.data_dir)
    if args.json:
        print(json.dumps({**reading_to_json(reading), "storage": storage}, ensure_ascii=False, indent=2))
    else:
        print(render_status(reading))
        for problem in storage:
            print(f"  STORAGE: {problem}")
    return EXIT_STORAGE if storage else exit_code(reading)


def exit_code(reading: StatusReading) -> int:
    """0 running, 1 stale, 3 not running (or never ran), 4 status file unreadable."""
    if reading.status is None and reading.state != "unreadable":
        return EXIT_NOT_RUNNING
    return _EXIT_CODES.get(reading.state, EXIT_UNREADABLE)


def reading_to_json(reading: StatusReading) -> dict:
    return {"state": reading.state, "problem": reading.problem, "age": reading.age,
            "status": reading.status.to_json() if reading.status else None}


def duration(seconds: float) -> str:
    """12 s, 4 min 5 s, 3 h 12 min, 2 d 4 h; "unknown" for a time that is not a finite number."""
    if not math.isfinite(seconds):
        return "unknown"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _central_words(status: TerminalStatus, now: float) -> str:
    if status.central_reachable is None:
        reach = "not contacted yet"
    else:
        reach = "reachable" if status.central_reachable else "NOT REACHABLE (requests wait in the outbox)"
    parts = [reach]
    if status.last_heartbeat is not None:
        parts.append(f"last heartbeat {duration(now - status.last_heartbeat)} ago")
    else:
        parts.append("no heartbeat answered yet")
    if status.clock_offset is not None:
        offset = status.clock_offset
        words = f"clock offset {offset:+.1f} s"
        if abs(offset) > CLOCK_WARNING_SECONDS:
            words += " — CHECK THE TERMINAL'S CLOCK (time sync)"
        parts.append(words)
    return "; ".join(parts)


def _outbox_words(status: TerminalStatus, now: float) -> str:
    words = _count(status.outbox_depth, "request waiting to be sent", "requests waiting to be sent")
    if status.outbox_depth and status.outbox_waiting_since is not None:
        words += f"; the oldest for {duration(now - status.outbox_waiting_since)}"
        if status.outbox_last_error:
            words += f", central's last answer: {status.outbox_last_error}"
    return words


def _details(status: TerminalStatus, now: float) -> list[str]:
    printer = PRINTER_WORDS.get(status.printer_state, status.printer_state)
    if status.printer_detail:
        printer += f" ({status.printer_detail})"
    service = "in service"
    if status.out_of_service:
        service = "OUT OF SERVICE" + (f": {status.out_of_service_message}" if status.out_of_service_message else "")
    rows = [
        ("version", f"{status.version} (process {status.pid}, up {duration(status.uptime)})"),
        ("citizen session", "in progress (remote commands wait for its end)" if status.session_active else "none"),
        ("service", service),
        ("printer", printer),
        ("print spool", _count(status.spool_depth, "job waiting", "jobs waiting")),
        *([("undelivered", _count(status.undelivered_slips, "slip held for staff to reprint",
                                  "slips held for staff to reprint"))] if status.undelivered_slips else []),
        ("outbox", _outbox_words(status, now)),
        ("central", _central_words(status, now)),
    ]
    return [f"  {label + ':':<17}{value}" for label, value in rows]


def render_status(reading: StatusReading, now: float | None = None) -> str:
    """The reading as a few lines of plain words for a technician."""
    now = time.time() if now is None else now
    status = reading.status
    name = f"kiosk {status.terminal_id}".rstrip() if status else "kiosk"
    if reading.state == RUNNING and status is not None:
        head = f"{name}: running (status written {duration(reading.age or 0)} ago)"
        return "\n".join([head, *_details(status, now)])
    if status is None:
        return f"{name}: {reading.state.upper()}: {reading.problem}"
    if reading.state == STALE:
        head = f"{name}: STALE: {reading.problem}; restart it with `sudo systemctl restart kiosk`"
    else:
        head = f"{name}: NOT RUNNING: {reading.problem}; `systemctl status kiosk` tells why"
    return "\n".join([head, f"  last known state, written {duration(reading.age or 0)} ago:", *_details(status, now)])


def _outbox(args) -> int:
    """List the outbox (no personal data: kind, age, attempts, last error); optionally replay it.

    A data directory that cannot be used (a file, read-only, full, a damaged database) is said in one line and
    exits 2, after listing what can still be read."""
    from kiosk.console import load_or_report
    from kiosk.core.storage import OUTBOX_DB, outbox_problem

    config = load_or_report(args.config)
    if config is None:
        return EXIT_CONFIG
    path = config.data_dir / OUTBOX_DB
    problem, readable = outbox_problem(config.data_dir)
    if not path.exists() and not problem:
        print(f"no outbox yet: {path} does not exist (the kiosk has not run with this data directory)")
        return 0
    if not readable:
        print(f"kiosk: the outbox cannot be used: {problem}", file=sys.stderr)
        return EXIT_STORAGE
    if args.replay and problem:
        print(f"kiosk: not replaying the outbox: {problem}", file=sys.stderr)
        return EXIT_STORAGE
    try:
        code = _list_outbox(config, path, args.replay)
    except StoreError as exc:
        print(f"kiosk: the outbox cannot be read: {exc}" + (f" ({problem})" if problem else ""), file=sys.stderr)
        return EXIT_STORAGE
    if problem:
        print(f"kiosk: the outbox cannot take new requests: {problem}", file=sys.stderr)
        return EXIT_STORAGE
    return code


def _list_outbox(config, path, replay: bool) -> int:
    from kiosk.core.outbox import Outbox
    from kiosk.shared.store import open_db

    outbox = Outbox(open_db(path))
    if replay:
        waiting = outbox.depth()
        report = _replay(config)
        if report is None:
            return 1
        print(f"replayed: {waiting} were waiting, {report.left} still waiting")
    counts = outbox.counts()
    print("outbox: " + ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) if counts else "outbox: empty")
    now = time.time()
    for entry in outbox.pending():
        age = (now - entry.created_at) / 60
        print(f"  #{entry.id} {entry.kind:<10} waiting {age:6.1f} min  attempts {entry.attempts}"
              + (f"  last error: {entry.last_error}" if entry.last_error else ""))
    return 0


def _replay(config):
    """Start the terminal's services (central client, printer) just long enough for one replay round."""
    from kiosk.central.errors import CentralError
    from kiosk.terminal import Terminal

    terminal = Terminal(config)
    try:
        terminal.start()
        return terminal.replay_outbox()
    except (CentralError, StoreError, OSError, ValueError) as exc:
        print(f"kiosk: cannot replay the outbox: {exc}", file=sys.stderr)
        return None
    finally:
        terminal.stop()
