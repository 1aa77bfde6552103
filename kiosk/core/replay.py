"""Replaying the outbox: pending submissions and ratings are sent again, with their own keys, until central answers.

Replays are token-less (terminal-signed, applicant in the body); a background thread runs them periodically."""
from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from kiosk.central.errors import CentralError
from kiosk.core.outbox import EntryState, Outbox, OutboxEntry
from kiosk.core.outbox_sender import OutboxSender, SendOutcome

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
                 on_reachability: Callable[[bool], None] | None = None,
                 on_accepted: Callable[[OutboxEntry, Any], None] | None = None):
        """`on_accepted(entry, result)` runs when central accepts a replayed submission, before it is settled
        (the terminal queues the application's slip there)."""
        self.outbox = outbox
        self.sender = OutboxSender(outbox)
        self.client = client
        self.in_flight = in_flight or InFlight()
        self.interval = interval
        self.on_reachability = on_reachability
        self.on_accepted = on_accepted
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._round = threading.Lock()
        self.rounds = 0

    # One round

    def replay_once(self) -> ReplayReport:
        """Send every pending entry once, oldest first; stops when central does not take requests now."""
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
                    outcome = self._replay(current)
                if outcome is None:
                    continue        # a rating waiting for its submission
                reachable = outcome.central_reachable
                if outcome is SendOutcome.SETTLED:
                    sent += 1
                elif outcome is SendOutcome.REFUSED:
                    refused += 1
                else:
                    break           # unreachable, not authorised or uncertain: the rest waits too
            self.rounds += 1
        if reachable is not None and self.on_reachability is not None:
            self.on_reachability(reachable)
        report = ReplayReport(sent, refused, self.outbox.depth(), reachable)
        if sent or refused:
            log.info("outbox replay: %d sent, %d refused, %d waiting", sent, refused, report.left)
        return report

    def _replay(self, entry: OutboxEntry) -> SendOutcome | None:
        """The outcome of sending `entry` once; None for a rating whose submission is not settled yet."""
        if entry.kind == "submission":
            return self._replay_submission(entry)
        return self._replay_rating(entry)

    def _replay_submission(self, entry: OutboxEntry) -> SendOutcome:
        p = entry.payload
        applicant = p.get("applicant")
        if not isinstance(applicant, dict) or not applicant.get("id_number"):
            log.warning("outbox entry %d cannot be replayed: no applicant stored", entry.id)
            self.outbox.settle(entry.idempotency_key, refused="cannot_replay: no applicant")
            return SendOutcome.REFUSED
        on_accepted = self.on_accepted
        result = self.sender.send(
            entry.idempotency_key,
            lambda: self.client.submit(None, p["item_id"], p["values"], entry.idempotency_key,
                                       applicant={"name": applicant.get("name", ""),
                                                  "id_number": applicant["id_number"]}),
            lambda answer: answer.application_number,
            before_settle=(lambda answer: on_accepted(entry, answer)) if on_accepted else None)
        if result.outcome is SendOutcome.SETTLED:
            log.info("outbox entry %d uploaded as application %s", entry.id, outbox_reference(self.outbox, entry))
        elif result.outcome is SendOutcome.REFUSED:
            log.warning("outbox entry %d (submission) refused by central", entry.id)
        return result.outcome

    def _replay_rating(self, entry: OutboxEntry) -> SendOutcome | None:
        p = entry.payload
        number = p.get("application_number") or ""
        if not number:
            submission = self.outbox.get(p.get("submission_key", ""))
            if submission is None or submission.state is EntryState.REFUSED:
                self.outbox.settle(entry.idempotency_key, refused="submission_refused")
                return SendOutcome.REFUSED
            if not submission.settled:
                return None
            number = submission.reference
        return self.sender.send(entry.idempotency_key,
                                lambda: self.client.rate(None, number, p["level"],
                                                         idempotency_key=entry.idempotency_key),
                                lambda _answer: number).outcome

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
            except Exception:  # the thread must outlive any one bad round (e.g. the disk is full)
                log.exception("outbox replay round failed")
            self._wake.wait(self.interval)
            self._wake.clear()


def outbox_reference(outbox: Outbox, entry: OutboxEntry) -> str:
    """The reference (application number) central gave `entry`, as the outbox now holds it."""
    current = outbox.get(entry.idempotency_key)
    return current.reference if current is not None else ""
