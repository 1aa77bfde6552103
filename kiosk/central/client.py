"""The terminal's HTTP client for the central API: signing, timeouts, retries, typed answers.

Every failure reaches the caller as one of kiosk.central.errors, never as a raw requests exception."""
from __future__ import annotations

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote, urlencode, urlsplit

import requests

from kiosk.central.errors import (AnswerTooLarge, CentralError, CentralRefused, CentralUnavailable, InvalidAnswer,
                                  LoginExpired)
from kiosk.central.models import (RATING_CODES, AssistedLogin, Catalog, CitizenProfile, DeviceAuthorization,
                                  HeartbeatAnswer, PollOutcome, SubmissionResult, Token, TokenPoll)
from kiosk.central.signing import sign_headers
from kiosk.central.wire import (ACCEPT_ENCODING, MAX_BODY_BYTES, DeadlineAdapter, deadline, header_time, parse_json,
                                parse_retry_after, read_body)
from kiosk.version import __version__

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SERVER_TIME_HEADER = "X-Server-Time"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# A province's 2,100 items are about 3 MB of JSON (0.1 MB on the wire, compressed); the catalogue may be four times
# the cap of other answers (16 MB after decompression), every other answer stays under the cap.
CATALOG_CAP_FACTOR = 4

@dataclass(frozen=True)
class _Call:
    """One logical API call; `retryable` when repeating it cannot do anything twice."""
    method: str
    path: str
    body: bytes = b""
    content_type: str = ""
    token: Token | None = None
    retryable: bool = False
    idempotency_key: str = ""
    signed: bool = True
    extra_headers: tuple[tuple[str, str], ...] = ()
    body_cap_factor: int = 1   # the catalogue may be larger than any other answer


class CentralClient:
    """Talks to one central API as one terminal. Thread-safe enough for one worker at a time per call."""

    def __init__(self, base_url: str, terminal_id: str, secret: bytes, *, connect_timeout: float = 3.0,
                 read_timeout: float = 10.0, ca_bundle: str = "", max_retries: int = 3,
                 backoff_base: float = 0.5, backoff_cap: float = 8.0, retry_after_cap: float = 10.0,
                 max_body: int = MAX_BODY_BYTES, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"central base URL must be an http(s) URL, got {base_url!r}")
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self.base_url = base_url.rstrip("/")
        self.terminal_id = terminal_id
        self.secret = secret
        self.timeout = (connect_timeout, read_timeout)
        # No attempt lasts longer than this, however slowly central drips its answer.
        self.attempt_deadline = connect_timeout + read_timeout
        self.max_body = max_body
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._sign_offset = 0.0
        self._offset: float | None = None
        self.session = requests.Session()
        adapter = DeadlineAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # TLS verification is always on: a CA bundle narrows it, nothing turns it off.
        self.session.verify = ca_bundle if ca_bundle else True
        self.session.headers.update({"User-Agent": f"kiosk/{__version__}", "Accept": "application/json",
                                     "Accept-Encoding": ACCEPT_ENCODING})
        if parts.hostname in _LOOPBACK:
            self.session.trust_env = False  # never send loopback traffic through a proxy from the environment

    @classmethod
    def from_config(cls, config, secret: bytes, base_url: str | None = None, client_id: str | None = None,
                    **options) -> "CentralClient":
        """A client for `config.central` (pass `base_url` when central is embedded); `options` override the
        configured timeouts or tune retries."""
        central = config.central
        settings = dict(connect_timeout=central.connect_timeout, read_timeout=central.read_timeout,
                        ca_bundle=central.ca_bundle)
        return cls(base_url or central.base_url, client_id or config.terminal.id, secret, **{**settings, **options})

    def close(self) -> None:
        self.session.close()

    # Login (RFC 8628 device flow, and a code shown to the scanner)

    def start_login(self) -> DeviceAuthorization:
        """Ask for a device code and user code (RFC 8628 §3.1)."""
        resp = self._send(self._form("/oauth/device_authorization", {"client_id": self.terminal_id}))
        return DeviceAuthorization.from_json(self._json(resp))

    def poll_login(self, device_code: str) -> TokenPoll:
        """One token request (RFC 8628 §3.4): the token or pending, slow down, denied or expired as a value.

        Raises only for what is not a device-flow answer (unreachable, refused client, malformed reply)."""
        call = self._form("/oauth/token", {"grant_type": DEVICE_GRANT, "device_code": device_code,
                                           "client_id": self.terminal_id})
        resp = self._send(call, raise_for_status=False)
        if resp.status_code == 200:
            return TokenPoll(PollOutcome.APPROVED, token=Token.from_json(self._json(resp)))
        if not 400 <= resp.status_code < 500:
            raise InvalidAnswer(f"token endpoint answered HTTP {resp.status_code}")
        error, description, body = self._error_of(resp)
        if error == PollOutcome.PENDING.value:
            return TokenPoll(PollOutcome.PENDING, scanned=body.get("scanned") is True)
        if error in (PollOutcome.SLOW_DOWN.value, PollOutcome.DENIED.value, PollOutcome.EXPIRED.value):
            return TokenPoll(PollOutcome(error))
        raise CentralRefused(description or f"token request refused ({error or resp.status_code})",
                             reason=error, status=resp.status_code)

    def login_with_code(self, code: str) -> Token:
        """Exchange a code read by the terminal's scanner (e.g. an e-social-security card QR) for a token."""
        resp = self._send(self._json_call("POST", "/api/v1/login/code", {"code": code}))
        return Token.from_json(self._json(resp))

    def start_assisted_login(self, id_number: str) -> str:
        """Ask hall staff to confirm that the holder of this ID card is at the terminal (帮办登录); the request id."""
        resp = self._send(self._json_call("POST", "/api/v1/assisted-logins", {"id_number": id_number}))
        return self._id_of(resp, "assisted_login")

    def poll_assisted_login(self, request_id: str) -> AssistedLogin:
        """Where an assisted login stands: pending, approved (with the citizen's token and the staff member),
        denied or expired."""
        resp = self._send(_Call("GET", f"/api/v1/assisted-logins/{request_id}", retryable=True))
        return AssistedLogin.from_json(self._json(resp))

    def cancel_assisted_login(self, request_id: str) -> None:
        """Withdraw a request the citizen walked away from, so staff no longer see it; harmless twice."""
        self._send(_Call("DELETE", f"/api/v1/assisted-logins/{request_id}", retryable=True))

    def revoke(self, token: Token) -> None:
        """End the citizen's token (RFC 7009); revoking twice is harmless, so it is retried."""
        self._send(self._form("/oauth/revoke", {"token": token.access_token, "token_type_hint": "access_token",
                                                "client_id": self.terminal_id}, retryable=True))

    # Citizen and catalogue

    def profile(self, token: Token) -> CitizenProfile:
        resp = self._send(_Call("GET", "/api/v1/profile", token=token, retryable=True))
        return CitizenProfile.from_json(self._json(resp))

    def catalog(self, etag: str = "") -> Catalog | None:
        """The catalogue, or None when it did not change since `etag` (304 Not Modified)."""
        headers = (("If-None-Match", etag),) if etag else ()
        resp = self._send(_Call("GET", "/api/v1/catalog", retryable=True, extra_headers=headers,
                                body_cap_factor=CATALOG_CAP_FACTOR))
        if resp.status_code == 304:
            return None
        return Catalog.from_json(self._json(resp), etag=resp.headers.get("ETag", ""))

    # Applications

    def submit(self, token: Token | None, item_id: str, values: dict[str, str], idempotency_key: str, *,
               applicant: dict[str, str] | None = None) -> SubmissionResult:
        """Submit an application; the same key always yields the same answer, so it is retried safely.

        Without a token (a replay from the outbox), `applicant` carries name and id_number and central
        accepts it only for items marked offline_ok."""
        if not idempotency_key:
            raise ValueError("a submission needs an idempotency key")
        body: dict[str, Any] = {"item_id": item_id, "values": dict(values)}
        if applicant is not None:
            body["applicant"] = dict(applicant)
        resp = self._send(self._json_call("POST", "/api/v1/submissions", body, token=token,
                                          idempotency_key=idempotency_key))
        return SubmissionResult.from_json(self._json(resp))

    def rate(self, token: Token | None, application_number: str, level: str, comment: str = "",
             idempotency_key: str = "") -> None:
        """Rate an application (好差评) once; a second rating raises CentralRefused(reason="already_rated")."""
        if level not in RATING_CODES:
            raise ValueError(f"rating level must be one of {', '.join(RATING_CODES)}, got {level!r}")
        body = {"application_number": application_number, "level": level, "comment": comment}
        resp = self._send(self._json_call("POST", "/api/v1/ratings", body, token=token,
                                          idempotency_key=idempotency_key or str(uuid.uuid4())))
        self._json(resp)

    def help_request(self, reason: str = "") -> str:
        """Call hall staff (呼叫帮办); returns the help request id."""
        resp = self._send(self._json_call("POST", "/api/v1/help-requests", {"reason": reason},
                                          idempotency_key=str(uuid.uuid4())))
        return self._id_of(resp, "help_request")

    def _id_of(self, resp: requests.Response, what: str) -> str:
        """The "id" a created request's answer carries; InvalidAnswer when it has none."""
        body = self._json(resp)
        request_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(request_id, str) or not request_id:
            raise InvalidAnswer(f"{what}.id: missing")
        return request_id

    def verify(self, code: str) -> dict:
        """The facts central holds about a printed document's verification code ({"valid": False} if none)."""
        try:
            resp = self._send(_Call("GET", f"/api/v1/verify/{_path_segment(code)}", retryable=True))
        except CentralRefused as exc:
            if exc.status == 404:
                return {"valid": False, "verification_code": code}
            raise
        body = self._json(resp)
        if not isinstance(body, dict) or not isinstance(body.get("valid"), bool):
            raise InvalidAnswer("verification.valid: missing")
        return body

    # Terminal status

    def heartbeat(self, status: dict, acked: list[str]) -> HeartbeatAnswer:
        """Report status, acknowledge commands, receive queued ones. Not retried: the next one comes soon."""
        started = self.clock()
        resp = self._send(self._json_call("POST", "/api/v1/heartbeat", {"status": status, "acked": list(acked)},
                                          retryable=False))
        answer = HeartbeatAnswer.from_json(self._json(resp))
        self._offset = answer.server_time - (started + self.clock()) / 2
        return answer

    def server_time_offset(self) -> float | None:
        """Seconds central's clock is ahead of ours, from the last answer; None before any answer."""
        return self._offset

    # Plumbing

    def _form(self, path: str, fields: dict[str, str], retryable: bool = False) -> _Call:
        return _Call("POST", path, urlencode(fields).encode("ascii"), "application/x-www-form-urlencoded",
                     retryable=retryable)

    def _json_call(self, method: str, path: str, body: dict, *, token: Token | None = None,
                   idempotency_key: str = "", retryable: bool | None = None) -> _Call:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return _Call(method, path, data, "application/json", token=token,
                     retryable=bool(idempotency_key) if retryable is None else retryable,
                     idempotency_key=idempotency_key)

    def _headers(self, call: _Call, url: str) -> dict[str, str]:
        headers = dict(call.extra_headers)
        if call.content_type:
            headers["Content-Type"] = call.content_type
        if call.token is not None:
            headers["Authorization"] = f"Bearer {call.token.access_token}"
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        if call.signed and self.secret:
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            signed = sign_headers(self.secret, self.terminal_id, call.method, path, call.body, headers,
                                  now=self.clock() + self._sign_offset)
            headers.update(signed.as_dict())
        return headers

    def _exchange(self, call: _Call, url: str) -> requests.Response:
        """One attempt: the request, then the whole answer read under the attempt's deadline and body cap."""
        with deadline(self.attempt_deadline):
            resp = self.session.request(call.method, url, data=call.body or None, headers=self._headers(call, url),
                                        timeout=self.timeout, allow_redirects=False, stream=True)
            try:
                resp._content = read_body(resp, self.max_body * call.body_cap_factor)
                resp._content_consumed = True
            except AnswerTooLarge:
                log.warning("%s %s: answer refused as too large", call.method, call.path)
                raise
            finally:
                resp.close()  # an unread remainder closes the connection instead of being drained
        return resp

    def _send(self, call: _Call, *, raise_for_status: bool = True) -> requests.Response:
        """Send `call`, retrying when allowed; returns a 2xx/304 answer (or any 4xx if not raise_for_status)."""
        url = self.base_url + call.path
        attempt = 0
        skew_corrected = False
        while True:
            attempt += 1
            can_retry = call.retryable and attempt <= self.max_retries
            try:
                started = self.clock()
                resp = self._exchange(call, url)
                self._note_server_time(resp, started)
            except CentralUnavailable as exc:
                log.info("%s %s: %s (attempt %d)", call.method, call.path, exc, attempt)
                if can_retry:
                    self.sleep(self._backoff(attempt))
                    continue
                raise
            except requests.exceptions.SSLError as exc:
                raise CentralUnavailable(f"TLS verification of central failed: {_short(exc)}") from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "unreachable"
                log.info("%s %s: central %s (attempt %d)", call.method, call.path, kind, attempt)
                if can_retry:
                    self.sleep(self._backoff(attempt))
                    continue
                raise CentralUnavailable(f"central {kind}: {call.method} {call.path}") from None
            except requests.exceptions.RequestException as exc:
                raise CentralUnavailable(f"central request failed: {_short(exc)}") from None
            status = resp.status_code
            if status in (429, 503):
                retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock())
                if can_retry and (retry_after is None or retry_after <= self.retry_after_cap):
                    self.sleep(self._backoff(attempt) if retry_after is None else retry_after)
                    continue
                raise CentralUnavailable(f"central is busy (HTTP {status})", retry_after=retry_after)
            if status >= 500:
                log.info("%s %s: HTTP %d (attempt %d)", call.method, call.path, status, attempt)
                if can_retry:
                    self.sleep(self._backoff(attempt))
                    continue
                raise CentralUnavailable(f"central failed with HTTP {status}")
            if status == 401 and not skew_corrected and self._error_of(resp)[0] == "clock_skew":
                server_now = self._server_time(resp)
                if server_now is not None:
                    # Central's clock is authoritative for signatures; it refused before doing anything.
                    self._sign_offset = server_now - self.clock()
                    skew_corrected = True
                    log.warning("terminal clock is %.0f s off central's; signing with central's time",
                                -self._sign_offset)
                    continue
            if 200 <= status < 300 or status == 304:
                return resp
            if 300 <= status < 400:
                raise InvalidAnswer(f"central answered an unexpected redirect (HTTP {status})")
            if not raise_for_status:
                return resp
            self._raise_refusal(resp, call)

    def _raise_refusal(self, resp: requests.Response, call: _Call):
        error, description, _ = self._error_of(resp)
        status = resp.status_code
        if status == 401 and call.token is not None and error in ("invalid_token", ""):
            raise LoginExpired(description or "the citizen's login is no longer valid")
        message = description or f"central refused {call.method} {call.path} (HTTP {status}, {error or 'no reason'})"
        raise CentralRefused(message, reason=error, status=status)

    @staticmethod
    def _error_of(resp: requests.Response) -> tuple[str, str, dict]:
        """(error code, description, whole body) of an error answer; empty strings when it has none."""
        try:
            body = parse_json(resp.content)
        except InvalidAnswer:
            return "", "", {}
        if not isinstance(body, dict):
            return "", "", {}
        error, description = body.get("error"), body.get("error_description")
        return (_printable(error, 64) if isinstance(error, str) else "",
                _printable(description, 200) if isinstance(description, str) else "", body)

    @staticmethod
    def _json(resp: requests.Response) -> Any:
        ctype = resp.headers.get("Content-Type", "")
        if "json" not in ctype.lower():
            raise InvalidAnswer(f"central answered {ctype[:60] or 'no content type'}, expected JSON")
        return parse_json(resp.content)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))]."""
        return self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    def _server_time(self, resp: requests.Response) -> float | None:
        """Central's clock from the answer's headers; None when absent or not a plausible time."""
        return header_time(resp.headers.get(SERVER_TIME_HEADER), resp.headers.get("Date"))

    def _note_server_time(self, resp: requests.Response, started: float) -> None:
        server_now = self._server_time(resp)
        if server_now is not None:
            self._offset = server_now - (started + self.clock()) / 2


def _printable(text: str, limit: int) -> str:
    """Central's words made safe for a log line or a screen: no control characters, at most `limit` long."""
    text = "".join(ch if ch.isprintable() else " " for ch in text[:limit + 1])
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _path_segment(text: str) -> str:
    return quote(text, safe="")


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."


__all__ = ["CentralClient", "CentralError", "DEVICE_GRANT"]
