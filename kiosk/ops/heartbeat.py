"""The heartbeat to central (Qt-free daemon thread): sends status and acknowledgements, stores the answer's commands.

Tracks reachability and clock offset; waits are jittered so that a hall's terminals never call in the same second."""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Protocol

from kiosk.central.clock import bounded_wait
from kiosk.central.errors import CentralError, CentralUnavailable
from kiosk.central.models import Command, HeartbeatAnswer
from kiosk.ops.remote_commands import CommandQueue
from kiosk.ops.status_file import TerminalStatus

log = logging.getLogger(__name__)

# Each wait is the interval ± 20 %, and the first one a random part of the interval, so that a hall of
# terminals switched on together does not call central in the same second.
JITTER = 0.2
# A Retry-After from central delays the next heartbeat by at most this many intervals: central's commands
# (restart, out of service) must not wait for hours because of one answer.
LONGEST_WAIT_INTERVALS = 10


_PAPER_WORDS = {"paper_out": "out", "paper_low": "low", "ready": "ok", "busy": "ok"}


def status_for_central(status: TerminalStatus) -> dict:
    """The heartbeat's `status` object in central's words (printer, paper, message); no personal data."""
    return {
        "version": status.version,
        "uptime": status.uptime,
        "printer": status.printer_state,
        "paper": _PAPER_WORDS.get(status.printer_state, "unknown"),
        "spool_depth": status.spool_depth,
        "outbox_depth": status.outbox_depth,
        "session_active": status.session_active,
        "out_of_service": status.out_of_service,
        "message": status.out_of_service_message,
    }


class HeartbeatClient(Protocol):
    def heartbeat(self, status: dict, acked: list[str]) -> HeartbeatAnswer: ...


@dataclass(frozen=True)
class HeartbeatState:
    """What the terminal knows about central. `reachable` is None before the first attempt; `last_heartbeat`
    is the local time of the last answered heartbeat; `clock_offset` is central's clock minus ours (s)."""
    reachable: bool | None = None
    last_heartbeat: float | None = None
    clock_offset: float | None = None
    last_error: str = ""
    failures: int = 0


class HeartbeatLoop:
    """Calls `client.heartbeat(status_provider(), queue.acks())` every interval (with jitter) on a daemon thread.

    `on_commands(new_commands)` runs on the heartbeat thread after new commands were stored: a Qt caller
    must hand it over to the GUI thread (a queued signal) and apply them from `queue.due(...)` there."""

    def __init__(self, client: HeartbeatClient, queue: CommandQueue, status_provider: Callable[[], dict],
                 interval: float, on_commands: Callable[[list[Command]], None] | None = None,
                 clock: Callable[[], float] = time.time, rng: random.Random | None = None):
        if interval <= 0:
            raise ValueError(f"the heartbeat interval must be greater than 0, got {interval}")
        self.client = client
        self.queue = queue
        self.status_provider = status_provider
        self.interval = float(interval)
        self.on_commands = on_commands
        self.clock = clock
        self.rng = rng if rng is not None else random.Random()
        self._state = HeartbeatState()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._not_before = 0.0

    @property
    def state(self) -> HeartbeatState:
        with self._lock:
            return self._state

    def first_delay(self) -> float:
        """A random delay within one interval before the first heartbeat."""
        return self.rng.uniform(0.0, self.interval)

    def next_delay(self) -> float:
        """The interval ± 20 %."""
        return self.interval * self.rng.uniform(1.0 - JITTER, 1.0 + JITTER)

    def beat(self) -> HeartbeatState:
        """Send one heartbeat now (on the caller's thread) and return the new state. Never raises for
        central's or the status provider's failures: they are recorded in the state and logged."""
        acked = self.queue.acks()
        try:
            status = self.status_provider()
            started = self.clock()
            answer = self.client.heartbeat(status, acked)
            finished = self.clock()
        except CentralError as exc:
            self._failed(exc)
            return self.state
        except Exception:  # thread top: beat() is the heartbeat thread's loop body; a provider's bug must not end it
            log.exception("heartbeat: could not build or send the status")
            self._record(replace(self.state, last_error="internal error building the status",
                                 failures=self.state.failures + 1))
            return self.state
        self.queue.acknowledged(acked)
        new = self.queue.receive(answer.commands)
        # NTP-style: central read its clock about halfway through the round trip.
        offset = answer.server_time - (started + finished) / 2
        self._record(HeartbeatState(reachable=True, last_heartbeat=finished, clock_offset=offset))
        if new and self.on_commands is not None:
            try:
                self.on_commands(new)
            except Exception:  # thread top, as above: the callback is the UI's, and the beat goes on
                log.exception("heartbeat: the command callback failed")
        return self.state

    @property
    def longest_wait(self) -> float:
        """The longest the loop ever waits between heartbeats, whatever central asks."""
        return LONGEST_WAIT_INTERVALS * self.interval

    def wait_after_beat(self) -> float:
        """The wait before the next heartbeat: the jittered interval, or central's Retry-After if longer, at
        most `longest_wait` and always a finite number of seconds."""
        wait = max(self.next_delay(), bounded_wait(self._not_before, self.longest_wait))
        self._not_before = 0.0
        return bounded_wait(wait, self.longest_wait)

    def _failed(self, exc: CentralError) -> None:
        previous = self.state
        unreachable = isinstance(exc, CentralUnavailable)
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)) and retry_after:
            self._not_before = bounded_wait(float(retry_after), self.longest_wait)
        if previous.reachable is not False or not unreachable:
            log.warning("heartbeat failed: %s: %s", type(exc).__name__, exc)
        # Refused or garbled answers still mean central was reached.
        self._record(replace(previous, reachable=not unreachable, last_error=f"{type(exc).__name__}: {exc}",
                             failures=previous.failures + 1))

    def _record(self, state: HeartbeatState) -> None:
        with self._lock:
            self._state = state

    def start(self) -> None:
        """Start the daemon thread (once)."""
        if self._thread is not None:
            raise RuntimeError("the heartbeat loop is already started")
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Send the next heartbeat now (e.g. right after a command was applied, to acknowledge it)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it (at most `timeout` s, longer only if a request is under way)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self.first_delay()
        while True:
            self._wake.wait(delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.beat()
                delay = self.wait_after_beat()
            except Exception:  # thread top: the thread outlives any one failure (a full disk, a bug); log, go on
                log.exception("heartbeat: the round failed; trying again in one interval")
                self._not_before = 0.0
                delay = self.interval
