"""Which signed requests' nonces central has seen, so that a captured request sent again is refused: kept in
memory for a single process, or in the database for several (uWSGI workers), where a copy may reach another."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from central_server.records import Terminal
from kiosk.central.signing import SignatureRejected

log = logging.getLogger(__name__)

SWEEP_EVERY = 30.0     # seconds between deletions of nonces whose timestamps have left the window


class SeenNonces:
    """The nonces of signed requests central accepted, each kept until its timestamp leaves the skew window
    (after that the timestamp alone refuses a copy). Memory: one entry per request in the last window."""

    def __init__(self) -> None:
        self._expiry: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def first_use(self, terminal_id: str, nonce: str, expires_at: float, now: float) -> bool:
        """Record the nonce; False when it was already recorded and has not expired."""
        key = (terminal_id, nonce)
        with self._lock:
            if now >= self._next_sweep:
                self._expiry = {k: t for k, t in self._expiry.items() if t > now}
                self._next_sweep = now + SWEEP_EVERY
            if self._expiry.get(key, 0.0) > now:
                return False
            self._expiry[key] = expires_at
            return True

    def verified_at_once(self, terminal_id: str, nonce: str, expires_at: float, now: float,
                         verify: Callable[[str], None]) -> tuple[Terminal, bool] | None:
        """Never: in memory the terminal is read, its signature checked, then its nonce recorded."""
        return None

    def remember(self, terminal: Terminal) -> None:
        """Nothing to remember."""


class SharedNonces:
    """The same record kept in the database. The secrets of terminals this process has verified are kept too,
    so that a known terminal's request is verified first and then read with its nonce recorded in one
    statement (on PostgreSQL; where the stored secret is still the one that verified it)."""

    def __init__(self, store) -> None:
        self.store = store
        self._next_sweep = 0.0
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}      # registered terminals only: bounded by the fleet

    def first_use(self, terminal_id: str, nonce: str, expires_at: float, now: float) -> bool:
        self._sweep_now_and_then(now)
        return bool(self.store.first_use_of_nonce(terminal_id, nonce, expires_at))

    def verified_at_once(self, terminal_id: str, nonce: str, expires_at: float, now: float,
                         verify: Callable[[str], None]) -> tuple[Terminal, bool] | None:
        """The terminal and whether its nonce is new, when the signature holds with the secret known for it and
        the database still has that secret; None to decide the long way (unknown here, not verified with the
        known secret, or the terminal changed or went since)."""
        secret = self._secrets.get(terminal_id)
        if secret is None:
            return None
        try:
            verify(secret)
        except SignatureRejected:
            return None                 # perhaps a new secret: checked against the database's
        self._sweep_now_and_then(now)
        terminal, first = self.store.terminal_and_first_use(terminal_id, nonce, expires_at, secret)
        if terminal is None or terminal.secret != secret:
            self._secrets.pop(terminal_id, None)
            return None
        return terminal, first

    def remember(self, terminal: Terminal) -> None:
        """A terminal whose request was just verified with its stored secret."""
        self._secrets[terminal.id] = terminal.secret

    def _sweep_now_and_then(self, now: float) -> None:
        with self._lock:
            sweep = now >= self._next_sweep
            if sweep:
                self._next_sweep = now + SWEEP_EVERY
        if sweep:
            # Off the request's path: no request waits for the delete, and an expired nonce left a little longer
            # refuses nothing that its timestamp does not refuse already.
            threading.Thread(target=self._forget, args=(now,), name="forget-nonces", daemon=True).start()

    def _forget(self, before: float) -> None:
        try:
            self.store.forget_nonces(before=before)
        except Exception:       # noqa: BLE001 - the next sweep tries again; no request depends on it
            log.warning("could not delete expired nonces", exc_info=True)
