"""How the reference server knows who is calling: the terminal's HMAC signature and the citizen's bearer token.

Refusals are ApiError exceptions, turned into JSON answers with a machine-readable `error` by the app."""
from __future__ import annotations

import json
import logging
from typing import Any, Literal, overload
from urllib.parse import quote

from flask import Response, current_app, request

from central_server.nonces import SeenNonces
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

    Refusals come in this order: the timestamp and nonce (no secret needed), the terminal, the signature, and a
    nonce used before. A nonce is recorded only once the signature holds, so a forged request writes nothing."""
    names = (HEADER_TERMINAL, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
    headers = [request.headers.get(h, "") for h in names]
    if not any(headers) and not required:
        return None
    terminal_id, timestamp, nonce, signature = headers
    if not all(headers):
        raise _unauthorised("missing_signature", f"requests must carry {', '.join(names)}")
    state = central()
    now = state.clock()

    def verify(secret: str) -> None:
        verify_signature(secret.encode("ascii"), request.method, raw_path(), timestamp, nonce, signature,
                         request.get_data(cache=True), now=now, window=state.signature_window,
                         idempotency_key=request.headers.get("Idempotency-Key", ""),
                         authorization=request.headers.get("Authorization", ""))

    nonces = current_app.extensions.setdefault("central_seen_nonces", SeenNonces())
    try:
        expires_at = check_stamp(timestamp, nonce, now=now, window=state.signature_window) + state.signature_window
        decided = nonces.verified_at_once(terminal_id, nonce, expires_at, now, verify)
        if decided is None:
            terminal = state.store.terminal(terminal_id)
            if terminal is None:
                raise _unauthorised("unknown_terminal", "this terminal is not registered with central")
            verify(terminal.secret)
            nonces.remember(terminal)
            decided = terminal, nonces.first_use(terminal_id, nonce, expires_at, now)
    except SignatureRejected as exc:
        raise _unauthorised(exc.reason, str(exc)) from None
    terminal, first = decided
    if not first:
        raise _unauthorised("replayed", "this signed request was already received; a terminal signs every "
                                        "request anew")
    return terminal


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
