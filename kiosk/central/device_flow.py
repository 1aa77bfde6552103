"""The polling state of one RFC 8628 login: interval, slow_down, expiry, and what to show next.

Qt-free: the UI drives it from a worker thread, `kiosk login-check` from a plain loop."""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from typing import Callable, assert_never

from kiosk.central.models import DeviceAuthorization, PollOutcome, Token

log = logging.getLogger(__name__)

SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: slow_down adds 5 seconds, for this and all later requests


class LoginState(enum.StrEnum):
    """Where a login stands (a str, so it compares equal to "pending" and friends)."""
    PENDING = "pending"
    SCANNED = "scanned"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


@dataclass(frozen=True)
class LoginProgress:
    """Where a login stands after one poll; `token` is set only when approved."""
    state: LoginState
    token: Token | None = None
    seconds_left: float = 0.0
    interval: float = 0.0


class DeviceFlow:
    """One terminal's device-flow login; call start() for a code, then poll() when seconds_until_poll() is 0.

    After "denied" or "expired" the code is spent: call start() again for a fresh one."""

    def __init__(self, client, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.authorization: DeviceAuthorization | None = None
        self.interval = 0.0
        self._expires_at = 0.0
        self._next_poll = 0.0
        self._scanned = False

    def start(self) -> DeviceAuthorization:
        """Ask central for a new code; whatever code was active before is forgotten."""
        return self.follow(self.client.start_login())

    def follow(self, auth: DeviceAuthorization, interval: float | None = None) -> DeviceAuthorization:
        """Poll for `auth` from now on (a code obtained elsewhere); `interval` overrides central's."""
        now = self.clock()
        self.authorization = auth
        self.interval = float(auth.interval if interval is None else interval)
        self._expires_at = now + auth.expires_in
        self._next_poll = now + self.interval
        self._scanned = False
        return auth

    @property
    def active(self) -> bool:
        return self.authorization is not None

    def seconds_left(self) -> float:
        """Seconds until the current code expires (0 when there is none)."""
        return max(0.0, self._expires_at - self.clock()) if self.authorization else 0.0

    def seconds_until_poll(self) -> float:
        """Seconds to wait before the next poll is allowed; infinite when no code is active."""
        if self.authorization is None:
            return float("inf")
        return max(0.0, self._next_poll - self.clock())

    def poll(self) -> LoginProgress:
        """Ask central once whether the citizen approved; waits first if called before the interval passed.

        CentralUnavailable and other central errors pass through; the next poll is still scheduled."""
        auth = self.authorization
        if auth is None:
            raise RuntimeError("no login code is active: call start() first")
        wait = self.seconds_until_poll()
        if wait > 0:
            self.sleep(wait)
        if self.clock() >= self._expires_at:
            return self._finish(LoginState.EXPIRED)
        try:
            answer = self.client.poll_login(auth.device_code)
        finally:
            self._next_poll = self.clock() + self.interval
        waiting = LoginState.SCANNED if self._scanned or answer.scanned else LoginState.PENDING
        match answer.outcome:
            case PollOutcome.APPROVED:
                progress = LoginProgress(LoginState.APPROVED, token=answer.token, seconds_left=self.seconds_left(),
                                         interval=self.interval)
                self.authorization = None
                return progress
            case PollOutcome.PENDING:
                self._scanned = waiting is LoginState.SCANNED
                return self._progress(waiting)
            case PollOutcome.SLOW_DOWN:
                self.interval += SLOW_DOWN_STEP
                self._next_poll = self.clock() + self.interval
                log.info("central asked to slow down; polling every %.0f s from now on", self.interval)
                return self._progress(LoginState.SCANNED if self._scanned else LoginState.PENDING)
            case PollOutcome.DENIED:
                return self._finish(LoginState.DENIED)
            case PollOutcome.EXPIRED:
                return self._finish(LoginState.EXPIRED)
        assert_never(answer.outcome)

    def _progress(self, state: LoginState) -> LoginProgress:
        return LoginProgress(state, seconds_left=self.seconds_left(), interval=self.interval)

    def _finish(self, state: LoginState) -> LoginProgress:
        self.authorization = None
        return LoginProgress(state, seconds_left=0.0, interval=self.interval)
