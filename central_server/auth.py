"""How the reference server knows who is calling: the terminal's HMAC signature and the citizen's bearer token.

Refusals are ApiError exceptions, turned into JSON answers with a machine-readable `error` by the app."""
from __future__ import annotations

import json
import logging
import threading
from typing import Any, Literal, overload
from urllib.parse import quote

from flask import Response, current_app, request

from central_server.records import Citizen, Terminal
from kiosk.central.signing import (HEADER_NONCE, HEADER_SIGNATURE, HEADER_TERMINAL, HEADER_TIMESTAMP, SignatureRejected,
                                   check_stamp, verify_signature)

log = logging.getLogger(__name__)


def is_api_path(path: str) -> bool:
    """Whether a path is the terminals' API (signed, JSON), not a page for people."""
    return path.startswith(("/api/", "/oauth/"))


class ApiError(Exception):
    """An answer other than success: HTTP status, error code and description (RFC 6749 §5.2 shape)."""

    def __init__(self, status: int, error: str, description: str, headers: dict[str, str] | None = None,
                 **extra):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description, **self.extra}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A compact UTF-8 JSON answer."""
    resp = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                    mimetype="application/json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def central():
    """The server's state object (store, catalogue, settings) for the current app."""
    return current_app.extensions["central"]


def raw_path() -> str:
    """The request path with query exactly as the client sent it (what it signed)."""
    env = request.environ
    raw = env.get("RAW_URI") or env.get("REQUEST_URI")
    if raw:
        return raw
    path = (env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", "")).encode("latin-1").decode("utf-8", "replace")
    query = env.get("QUERY_STRING", "")
    return quote(path, safe="/%:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")


@overload
def signed_terminal(required: Literal[True] = True) -> Terminal: ...


@overload
def signed_terminal(required: bool) -> Terminal | None: ...


def signed_terminal(required: bool = True) -> Terminal | None:
    """The terminal whose signature this request carries; without signature headers, None if not required.

    The nonce is recorded as the terminal is read (on PostgreSQL in the same statement), before the signature is
    checked: a forged request can use up a nonce it names, but never get in, and the nonce of a real request
    is known to nobody before it is sent (a terminal draws a new random one for every request, retries
    included), so only a copy of an intercepted request can meet it: refused either way."""
    names = (HEADER_TERMINAL, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
    headers = [request.headers.get(h, "") for h in names]
    if not any(headers) and not required:
        return None
    terminal_id, timestamp, nonce, signature = headers
    if not all(headers):
        raise _unauthorised("missing_signature", f"requests must carry {', '.join(names)}")
    state = central()
    try:
        stamp = check_stamp(timestamp, nonce, now=state.clock(), window=state.signature_window)
        terminal, first = terminal_and_first_use(terminal_id, nonce, expires_at=stamp + state.signature_window,
                                                 now=state.clock())
        if terminal is None:
            raise _unauthorised("unknown_terminal", "this terminal is not registered with central")
        verify_signature(terminal.secret.encode("ascii"), request.method, raw_path(), timestamp, nonce, signature,
                         request.get_data(cache=True), now=state.clock(), window=state.signature_window,
                         idempotency_key=request.headers.get("Idempotency-Key", ""),
                         authorization=request.headers.get("Authorization", ""))
    except SignatureRejected as exc:
        raise _unauthorised(exc.reason, str(exc)) from None
    if not first:
        raise _unauthorised("replayed", "this signed request was already received; a terminal signs every "
                                        "request anew")
    return terminal


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
                self._next_sweep = now + 30.0
            if self._expiry.get(key, 0.0) > now:
                return False
            self._expiry[key] = expires_at
            return True


class SharedNonces:
    """The same record kept in the database, for a server of several processes (uWSGI workers), where a
    copy sent to another process must be refused too. Costs no round trip of its own: on PostgreSQL the nonce
    is recorded in the statement that reads the terminal."""

    def __init__(self, store) -> None:
        self.store = store
        self._next_sweep = 0.0
        self._lock = threading.Lock()

    def terminal_and_first_use(self, terminal_id: str, nonce: str, expires_at: float,
                               now: float) -> tuple[Terminal | None, bool]:
        """The terminal's row, and whether the nonce is new (recorded now, with the read: one statement)."""
        with self._lock:
            sweep = now >= self._next_sweep
            if sweep:
                self._next_sweep = now + 30.0
        if sweep:
            # Off the request's path: no request waits for the delete, and an expired nonce left a little longer
            # refuses nothing that its timestamp does not refuse already.
            threading.Thread(target=self._forget, args=(now,), name="forget-nonces", daemon=True).start()
        return self.store.terminal_and_first_use(terminal_id, nonce, expires_at)

    def _forget(self, before: float) -> None:
        try:
            self.store.forget_nonces(before=before)
        except Exception:       # noqa: BLE001 - the next sweep tries again; no request depends on it
            log.warning("could not delete expired nonces", exc_info=True)


def terminal_and_first_use(terminal_id: str, nonce: str, expires_at: float, now: float) -> tuple[Terminal | None, bool]:
    """The registered terminal (None if unknown) and whether this nonce of it is new to this server, recorded
    now: in memory (SeenNonces), or with the terminal's read in the database when the app was made for several
    processes (SharedNonces)."""
    seen = current_app.extensions.setdefault("central_seen_nonces", SeenNonces())
    if isinstance(seen, SharedNonces):
        return seen.terminal_and_first_use(terminal_id, nonce, expires_at, now)
    terminal = central().store.terminal(terminal_id)
    return terminal, terminal is not None and seen.first_use(terminal_id, nonce, expires_at, now)


@overload
def bearer_citizen(terminal_id: str, required: Literal[True]) -> Citizen: ...


@overload
def bearer_citizen(terminal_id: str, required: bool) -> Citizen | None: ...


def bearer_citizen(terminal_id: str, required: bool) -> Citizen | None:
    """The citizen of the request's bearer token (bound to this terminal); None when absent and not required."""
    header = request.headers.get("Authorization", "")
    if not header:
        if required:
            raise ApiError(401, "invalid_token", "this call needs the citizen's bearer token",
                           {"WWW-Authenticate": 'Bearer realm="central"'})
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "invalid_token", "Authorization must be 'Bearer <token>'",
                       {"WWW-Authenticate": 'Bearer realm="central", error="invalid_request"'})
    citizen = central().store.token_citizen(token.strip(), terminal_id)
    if citizen is None:
        raise ApiError(401, "invalid_token", "the citizen's login expired or was ended; log in again",
                       {"WWW-Authenticate": 'Bearer realm="central", error="invalid_token"'})
    return citizen


def bearer_assistant(terminal_id: str) -> str:
    """The member of staff who approved the assisted login behind the request's (checked) bearer token, or ""."""
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    return central().store.token_assisted_by(token.strip(), terminal_id) if token.strip() else ""


def _unauthorised(reason: str, description: str) -> ApiError:
    return ApiError(401, reason, description, {"WWW-Authenticate": 'KioskHMAC realm="central"'})
