"""Replaying the outbox: pending submissions and ratings are sent again, with their own keys, until central answers.

Replays are token-less (terminal-signed, applicant in the body); a background thread runs them periodically."""
from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

from kiosk.central.errors import CentralError, CentralRefused, CentralUnavailable, InvalidAnswer
from kiosk.core.outbox import Outbox, OutboxEntry

log = logging.getLogger(__name__)


class InFlight:
    """Keys being sent right now by a visit; the replayer leaves them alone."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._released = threading.Condition()

    @contextlib.contextmanager
    def claim(self, key: str, wait: bool = False) -> Iterator[bool]:
        """Hold `key` while sending it; yields False when someone else holds it (with `wait`, waits for
        them to finish first and then holds it)."""
        with self._released:
            if wait:
                self._released.wait_for(lambda: key not in self._keys)
            mine = key not in self._keys
            self._keys.add(key)
        try:
            yield mine
        finally:
            if mine:
                with self._released:
                    self._keys.discard(key)
                    self._released.notify_all()


@dataclass(frozen=True)
class ReplayReport:
    """One replay round: how many entries central settled, refused, and how many are still waiting."""
    sent: int = 0
    refused: int = 0
    left: int = 0
    reachable: bool | None = None   # None when nothing was sent


class OutboxReplayer:
    """Sends pending outbox entries to central; `start()` runs rounds every `interval` seconds until `stop()`."""

    def __init__(self, outbox: Outbox, client, *, in_flight: InFlight | None = None, interval: float = 30.0,
                 on_reachability: Callable[[bool], None] | None = None):
        self.outbox = outbox
        self.client = client
        self.in_flight = in_flight or InFlight()
        self.interval = interval
        self.on_reachability = on_reachability
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._round = threading.Lock()
        self.rounds = 0

    # One round

    def replay_once(self) -> ReplayReport:
        """Send every pending entry once, oldest first; stops at the first sign central is unreachable."""
        with self._round:
            sent = refused = 0
            reachable: bool | None = None
            for entry in self.outbox.pending():
                if self._stop.is_set():
                    break
                with self.in_flight.claim(entry.idempotency_key) as mine:
                    if not mine:
                        continue
                    current = self.outbox.get(entry.idempotency_key)
                    if current is None or current.settled:
                        continue
                    try:
                        outcome = self._replay(current)
                    except CentralUnavailable as exc:
                        self.outbox.record_attempt(current.idempotency_key, type(exc).__name__)
                        reachable = False
                        break
                    except InvalidAnswer as exc:
                        # Central may have acted; the same key fetches its stored answer next time.
                        self.outbox.record_attempt(current.idempotency_key, f"InvalidAnswer: {exc}"[:200])
                        reachable = True
                        break
                if outcome == "sent":
                    sent += 1
                    reachable = True
                elif outcome == "refused":
                    refused += 1
                    reachable = True
            self.rounds += 1
        if reachable is not None and self.on_reachability is not None:
            self.on_reachability(reachable)
        report = ReplayReport(sent, refused, self.outbox.depth(), reachable)
        if sent or refused:
            log.info("outbox replay: %d sent, %d refused, %d waiting", sent, refused, report.left)
        return report

    def _replay(self, entry: OutboxEntry) -> str:
        """'sent', 'refused' or 'waiting' (a rating whose submission is not settled yet)."""
        if entry.kind == "submission":
            return self._replay_submission(entry)
        return self._replay_rating(entry)

    def _replay_submission(self, entry: OutboxEntry) -> str:
        p = entry.payload
        applicant = p.get("applicant")
        if not isinstance(applicant, dict) or not applicant.get("id_number"):
            log.warning("outbox entry %d cannot be replayed: no applicant stored", entry.id)
            self.outbox.settle(entry.idempotency_key, refused="cannot_replay: no applicant")
            return "refused"
        try:
            result = self.client.submit(None, p["item_id"], p["values"], entry.idempotency_key,
                                        applicant={"name": applicant.get("name", ""),
                                                   "id_number": applicant["id_number"]})
        except CentralRefused as exc:
            self._refused(entry, exc)
            return "refused"
        self.outbox.settle(entry.idempotency_key, reference=result.application_number)
        log.info("outbox entry %d uploaded as application %s", entry.id, result.application_number)
        return "sent"

    def _replay_rating(self, entry: OutboxEntry) -> str:
        p = entry.payload
        number = p.get("application_number") or ""
        if not number:
            submission = self.outbox.get(p.get("submission_key", ""))
            if submission is None or submission.state == "refused":
                self.outbox.settle(entry.idempotency_key, refused="submission_refused")
                return "refused"
            if not submission.settled:
                return "waiting"
            number = submission.reference
        try:
            self.client.rate(None, number, p["level"], idempotency_key=entry.idempotency_key)
        except CentralRefused as exc:
            self._refused(entry, exc)
            return "refused"
        self.outbox.settle(entry.idempotency_key, reference=number)
        return "sent"

    def _refused(self, entry: OutboxEntry, exc: CentralRefused) -> None:
        reason = exc.reason or f"HTTP {exc.status}"
        log.warning("outbox entry %d (%s) refused by central: %s", entry.id, entry.kind, reason)
        self.outbox.settle(entry.idempotency_key, refused=reason)

    # The background thread

    def start(self) -> None:
        """Replay now, then every `interval` seconds (sooner after `wake()`), on a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="outbox-replay", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Ask for a round soon (a request was queued)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def sleep(self, seconds: float) -> None:
        """A sleep that `stop()` cuts short (the replay client's backoff uses it)."""
        self._stop.wait(seconds)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.outbox.depth():
                    self.replay_once()
            except CentralError as exc:
                log.warning("outbox replay failed: %s", type(exc).__name__)
            except Exception:  # thread top: the thread must outlive any one bad round (e.g. the disk is full)
                log.exception("outbox replay round failed")
            self._wake.wait(self.interval)
            self._wake.clear()
