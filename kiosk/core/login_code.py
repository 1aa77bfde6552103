"""The terminal's live login code (RFC 8628): fetched, shown, polled and renewed while home or login is shown.

Qt-free and tick-driven: the visit flow calls `tick()` on its clock; blocking calls go through the injected runner."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from kiosk.central.device_flow import LoginState
from kiosk.central.errors import CentralUnavailable
from kiosk.central.models import DeviceAuthorization, Token

log = logging.getLogger(__name__)

DENIED_PAUSE_SECONDS = 4.0   # "you cancelled on the phone" stays readable this long before a new code


Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]


class LoginListener(Protocol):
    """What the login code tells the visit flow."""

    def login_code_shown(self, code: "ShownCode | None") -> None: ...
    def login_status(self, key: str) -> None: ...
    def login_scanned(self) -> None: ...
    def login_token(self, token: Token) -> None: ...


@dataclass(frozen=True)
class ShownCode:
    """The code on screen: the QR's link, the check code printed beside it, and how long it lives."""
    uri: str
    user_code: str
    seconds_left: int


class LoginCode:
    """One terminal's login code. `set_active(True)` while home or login is shown; `reset()` when a visit ends."""

    def __init__(self, services: Any, runner: Runner, clock: Callable[[], float], listener: LoginListener):
        self.services = services      # offers device_flow() and login_with_code(code)
        self.runner = runner
        self.clock = clock
        self.listener = listener
        self.flow: Any = None
        self.authorization: DeviceAuthorization | None = None
        self.started_at = 0.0
        self.requesting = False
        self.polling = False
        self.active = False
        self.renew_at: float | None = None    # after a denial: when to fetch a fresh code
        self.generation = 0

    # Control

    def set_active(self, active: bool) -> None:
        """Poll and renew while True; no traffic at all while False."""
        self.active = active
        if active:
            self._ensure_code()

    def reset(self) -> None:
        """Forget the current code and ignore answers still on their way (a visit ended)."""
        self.generation += 1
        self.flow = None
        self.authorization = None
        self.requesting = False
        self.polling = False
        self.renew_at = None
        self.listener.login_code_shown(None)

    def login_with_code(self, code: str) -> None:
        """A code read by the terminal's scanner (e.g. an e-social-security card) logs the citizen in."""
        generation = self.generation
        self.listener.login_status("login.scanner_reading")
        self.runner(lambda: self.services.login_with_code(code),
                    lambda token: self._approved(generation, token),
                    lambda exc: self._scan_refused(generation, exc))

    def seconds_left(self) -> int:
        if self.authorization is None:
            return 0
        return max(0, int(self.authorization.expires_in - (self.clock() - self.started_at)))

    def shown(self) -> ShownCode | None:
        auth = self.authorization
        return None if auth is None else ShownCode(auth.verification_uri_complete, auth.user_code,
                                                   self.seconds_left())

    # The clock

    def tick(self) -> None:
        """Called about twice a second: count down, renew an expired code, poll when the interval allows."""
        if not self.active:
            return
        if self.renew_at is not None:
            if self.clock() < self.renew_at:
                return
            self.renew_at = None
            self.flow = None
        if self.authorization is None:
            self._ensure_code()
            return
        left = self.seconds_left()
        self.listener.login_code_shown(self.shown())
        if left <= 0:
            self._fresh_code("login.expired")
            return
        if self.polling or self.flow is None or self.flow.seconds_until_poll() > 0:
            return
        self.polling = True
        generation, flow = self.generation, self.flow
        self.runner(flow.poll, lambda progress: self._progress(generation, flow, progress),
                    lambda exc: self._poll_failed(generation, exc))

    # Codes

    def _ensure_code(self) -> None:
        if self.authorization is not None or self.requesting or self.renew_at is not None:
            return
        flow = self.services.device_flow()
        if flow is None:       # central is not connected yet
            return
        self.flow = flow
        self.requesting = True
        generation = self.generation
        self.runner(flow.start, lambda auth: self._code_ready(generation, flow, auth),
                    lambda exc: self._code_failed(generation, exc))

    def _code_ready(self, generation: int, flow: Any, auth: DeviceAuthorization) -> None:
        if generation != self.generation or flow is not self.flow:
            return
        self.requesting = False
        self.authorization = auth
        self.started_at = self.clock()
        self.listener.login_code_shown(self.shown())

    def _code_failed(self, generation: int, exc: Exception) -> None:
        if generation != self.generation:
            return
        self.requesting = False
        log.warning("no login code: %s", type(exc).__name__)
        self.listener.login_status("login.unavailable")

    def _fresh_code(self, status_key: str) -> None:
        self.authorization = None
        self.flow = None
        self.listener.login_code_shown(None)
        if self.active:
            self._ensure_code()
        self.listener.login_status(status_key)

    # Polling

    def _poll_failed(self, generation: int, exc: Exception) -> None:
        if generation == self.generation:
            self.polling = False
            log.warning("login poll failed: %s", type(exc).__name__)

    def _progress(self, generation: int, flow: Any, progress: Any) -> None:
        if generation != self.generation or flow is not self.flow:
            return
        self.polling = False
        state = progress.state
        if state is LoginState.SCANNED:
            self.listener.login_status("login.scanned")
            self.listener.login_scanned()
        elif state is LoginState.DENIED:
            self.authorization = None
            self.listener.login_code_shown(None)
            self.listener.login_status("login.denied")
            self.renew_at = self.clock() + DENIED_PAUSE_SECONDS
        elif state is LoginState.EXPIRED:
            self._fresh_code("login.expired")
        elif state is LoginState.APPROVED:
            self._approved(generation, progress.token)

    def _approved(self, generation: int, token: Token) -> None:
        if generation != self.generation:
            return
        self.authorization = None
        self.flow = None
        self.generation += 1          # this code is spent; answers for it are stale from now on
        self.listener.login_status("login.loading_profile")
        self.listener.login_token(token)

    def _scan_refused(self, generation: int, exc: Exception) -> None:
        if generation != self.generation:
            return
        log.info("scanned code refused: %s", type(exc).__name__)
        self.listener.login_status("login.unavailable" if isinstance(exc, CentralUnavailable)
                                   else "login.scanner_invalid")
