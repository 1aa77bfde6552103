"""Keeps a login code live while home or the login screen is shown, and logs in by QR or by the card scanner.

Polls central (RFC 8628) only while `active`; a code that expires or is refused is replaced by a fresh one."""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.central.errors import CentralUnavailable
from kiosk.ui.workers import run_async

log = logging.getLogger(__name__)

TICK_MS = 500
DENIED_PAUSE_MS = 4000


class LoginDriver(QObject):
    """One terminal's login code: fetched, shown, polled, renewed; emits what the screens should show."""

    code_shown = Signal(str, str, int)   # verification_uri_complete, user_code, seconds it lives ("" when none)
    status = Signal(str)                 # i18n key for the login screen ("" for none)
    countdown = Signal(int)              # seconds until the shown code expires
    scanned = Signal()                   # the citizen scanned the code and is confirming on the phone
    token_ready = Signal(object)         # Token: the citizen is logged in

    def __init__(self, client_getter, parent: QObject | None = None):
        super().__init__(parent)
        self.client_getter = client_getter    # returns the CentralClient once services are up, else None
        self.flow = None
        self.authorization = None
        self.auth_started = 0.0
        self.requesting = False
        self.polling = False
        self.active = False
        self.generation = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)

    # Control

    def set_active(self, active: bool) -> None:
        """Poll and renew while True (home or login shown); stop all traffic while False."""
        self.active = active
        if active:
            self.timer.start(TICK_MS)
            self._ensure_code()
        else:
            self.timer.stop()

    def reset(self) -> None:
        """Forget the current code and ignore answers still on their way (a visit ended)."""
        self.generation += 1
        self.flow = None
        self.authorization = None
        self.requesting = False
        self.polling = False
        self.code_shown.emit("", "", 0)

    def login_with_code(self, code: str) -> None:
        """A code read by the terminal's scanner (e.g. an e-social-security card) logs the citizen in."""
        client = self.client_getter()
        if client is None:
            return
        generation = self.generation
        self.status.emit("login.scanner_reading")
        run_async(lambda: client.login_with_code(code), lambda token: self._approved(generation, token),
                  lambda exc: self._scan_refused(generation, exc))

    # Codes

    def _ensure_code(self) -> None:
        if self.authorization is not None or self.requesting:
            return
        client = self.client_getter()
        if client is None:
            return
        from kiosk.central.device_flow import DeviceFlow

        self.flow = flow = DeviceFlow(client)
        self.requesting = True
        generation = self.generation
        run_async(flow.start, lambda auth: self._code_ready(generation, flow, auth),
                  lambda exc: self._code_failed(generation, exc))

    def _code_ready(self, generation: int, flow, auth) -> None:
        if generation != self.generation or flow is not self.flow:
            return
        self.requesting = False
        self.authorization = auth
        self.auth_started = time.monotonic()
        self.code_shown.emit(auth.verification_uri_complete, auth.user_code, int(auth.expires_in))

    def _code_failed(self, generation: int, exc: Exception) -> None:
        if generation != self.generation:
            return
        self.requesting = False
        log.warning("no login code: %s", type(exc).__name__)
        self.status.emit("login.unavailable")

    def _fresh_code(self, status_key: str = "") -> None:
        self.authorization = None
        self.flow = None
        self.code_shown.emit("", "", 0)
        if self.active:
            self._ensure_code()
        self.status.emit(status_key)

    # Polling

    def seconds_left(self) -> int:
        if self.authorization is None:
            return 0
        return max(0, int(self.authorization.expires_in - (time.monotonic() - self.auth_started)))

    def _tick(self) -> None:
        if not self.active:
            return
        if self.authorization is None:
            self._ensure_code()
            return
        left = self.seconds_left()
        self.countdown.emit(left)
        if left <= 0:
            self._fresh_code("login.expired")
            return
        if self.polling or self.flow is None or self.flow.seconds_until_poll() > 0:
            return
        self.polling = True
        generation, flow = self.generation, self.flow
        run_async(flow.poll, lambda progress: self._progress(generation, flow, progress),
                  lambda exc: self._poll_failed(generation, exc))

    def _poll_failed(self, generation: int, exc: Exception) -> None:
        if generation == self.generation:
            self.polling = False
            log.warning("login poll failed: %s", type(exc).__name__)

    def _progress(self, generation: int, flow, progress) -> None:
        if generation != self.generation or flow is not self.flow:
            return
        self.polling = False
        state = progress.state
        if state == "scanned":
            self.status.emit("login.scanned")
            self.scanned.emit()
        elif state == "denied":
            self.authorization = None
            self.code_shown.emit("", "", 0)
            self.status.emit("login.denied")
            QTimer.singleShot(DENIED_PAUSE_MS, lambda: self._after_denial(generation))
        elif state == "expired":
            self._fresh_code("login.expired")
        elif state == "approved":
            self._approved(generation, progress.token)

    def _after_denial(self, generation: int) -> None:
        if generation == self.generation and self.authorization is None:
            self.flow = None
            if self.active:
                self._ensure_code()

    def _approved(self, generation: int, token) -> None:
        if generation != self.generation:
            return
        self.authorization = None
        self.flow = None
        self.generation += 1          # this code is spent; answers for it are stale from now on
        self.status.emit("login.loading_profile")
        self.token_ready.emit(token)

    def _scan_refused(self, generation: int, exc: Exception) -> None:
        if generation != self.generation:
            return
        log.info("scanned code refused: %s", type(exc).__name__)
        self.status.emit("login.unavailable" if isinstance(exc, CentralUnavailable) else "login.scanner_invalid")

