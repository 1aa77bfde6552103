"""HMAC-SHA256 signing of terminal requests, its verification, and terminal secret files.

The signature covers method, path with query, timestamp, a one-time nonce, the SHA-256 of the body, the
Idempotency-Key and the Authorization header (docs/central-api.md); central refuses a nonce it has seen."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

HEADER_TERMINAL = "X-Terminal-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
SIGNATURE_PREFIX = "v2="
DEFAULT_WINDOW = 300.0
MIN_SECRET_LENGTH = 32
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class SecretFileError(Exception):
    """A terminal secret file is missing, unreadable, too open, or too short; the message names the file."""


class SignatureRejected(Exception):
    """A request's signature does not hold; `reason` is the code sent back with the 401."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SignedHeaders:
    """The four headers a signed request carries."""
    terminal_id: str
    timestamp: str
    nonce: str
    signature: str

    def as_dict(self) -> dict[str, str]:
        return {HEADER_TERMINAL: self.terminal_id, HEADER_TIMESTAMP: self.timestamp, HEADER_NONCE: self.nonce,
                HEADER_SIGNATURE: self.signature}


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def canonical_string(method: str, path: str, timestamp: str, nonce: str, body: bytes, idempotency_key: str = "",
                     authorization: str = "") -> bytes:
    """The exact bytes signed, one per line: METHOD, path with query, timestamp, nonce, hex SHA-256 of the
    body, the Idempotency-Key header (empty if none), hex SHA-256 of the Authorization header (empty if none)."""
    auth = _digest(authorization) if authorization else ""
    return "\n".join([method.upper(), path, timestamp, nonce, _digest(body), idempotency_key, auth]).encode("utf-8")


def compute_signature(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes,
                      idempotency_key: str = "", authorization: str = "") -> str:
    """The X-Signature value: "v2=" followed by the hex HMAC-SHA256 of the canonical string."""
    text = canonical_string(method, path, timestamp, nonce, body, idempotency_key, authorization)
    return SIGNATURE_PREFIX + hmac.new(secret, text, hashlib.sha256).hexdigest()


def new_nonce() -> str:
    """A fresh nonce for one request (22 URL-safe characters, 128 random bits)."""
    return secrets.token_urlsafe(16)


def sign_request(secret: bytes, terminal_id: str, method: str, path: str, body: bytes, now: float | None = None,
                 *, idempotency_key: str = "", authorization: str = "", nonce: str | None = None) -> SignedHeaders:
    """Headers that authenticate one request of `terminal_id` at time `now` (Unix seconds); a new nonce each
    call, so a retry is a new signature and a copy of this one is refused."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = new_nonce() if nonce is None else nonce
    return SignedHeaders(terminal_id, timestamp, nonce, compute_signature(
        secret, method, path, timestamp, nonce, body, idempotency_key, authorization))


def sign_headers(secret: bytes, terminal_id: str, method: str, path: str, body: bytes,
                 headers: Mapping[str, str], now: float | None = None) -> SignedHeaders:
    """`sign_request` for a request about to carry `headers` (its Idempotency-Key and Authorization)."""
    found = {k.lower(): v for k, v in headers.items()}
    return sign_request(secret, terminal_id, method, path, body, now, idempotency_key=found.get("idempotency-key", ""),
                        authorization=found.get("authorization", ""))


def check_stamp(timestamp: str, nonce: str, now: float | None = None, window: float = DEFAULT_WINDOW) -> int:
    """Raise SignatureRejected (reason bad_timestamp, bad_nonce or clock_skew) unless the timestamp and nonce are
    well formed and the timestamp within the window of `now`; returns the timestamp. Needs no secret."""
    if not re.fullmatch(r"[0-9]{1,12}", timestamp or "", re.ASCII):
        raise SignatureRejected("bad_timestamp", f"{HEADER_TIMESTAMP} must be whole Unix seconds")
    stamp = int(timestamp)
    if not _NONCE.fullmatch(nonce or ""):
        raise SignatureRejected("bad_nonce", f"{HEADER_NONCE} must be 16 to 64 characters of A-Z a-z 0-9 _ -")
    current = time.time() if now is None else now
    if abs(current - stamp) > window:
        raise SignatureRejected("clock_skew", f"{HEADER_TIMESTAMP} is {stamp - current:+.0f} s away from "
                                              f"server time; allowed ±{window:.0f} s")
    return stamp


def verify_signature(secret: bytes, method: str, path: str, timestamp: str, nonce: str, signature: str,
                     body: bytes, now: float | None = None, window: float = DEFAULT_WINDOW, *,
                     idempotency_key: str = "", authorization: str = "") -> int:
    """Raise SignatureRejected (reason bad_timestamp, bad_nonce, clock_skew or bad_signature) unless the
    signature holds; returns the timestamp. Whether the nonce was seen before is the caller's to check."""
    stamp = check_stamp(timestamp, nonce, now, window)
    expected = compute_signature(secret, method, path, timestamp, nonce, body, idempotency_key, authorization)
    if not hmac.compare_digest(expected.encode("ascii"), (signature or "").encode("utf-8", "replace")):
        raise SignatureRejected("bad_signature", "the request signature does not match")
    return stamp


def new_secret() -> bytes:
    """A fresh random terminal secret (64 hex characters)."""
    return secrets.token_hex(32).encode("ascii")


def load_secret(path: str | Path) -> bytes:
    """Read a terminal secret; refuses a file that group or others may read (mode must be 0600 or stricter)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SecretFileError(f"{path}: terminal secret file does not exist") from None
    except OSError as exc:
        raise SecretFileError(f"{path}: terminal secret file cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise SecretFileError(f"{path}: terminal secret file is not a regular file")
    if mode & 0o077:
        raise SecretFileError(f"{path}: terminal secret file is readable by group or others "
                              f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}")
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise SecretFileError(f"{path}: terminal secret file cannot be read: {exc.strerror}") from None
    if len(secret) < MIN_SECRET_LENGTH:
        raise SecretFileError(f"{path}: terminal secret is too short ({len(secret)} bytes; "
                              f"at least {MIN_SECRET_LENGTH} expected)")
    return secret


def create_secret_file(path: str | Path) -> bytes:
    """Write a new random secret to `path` with mode 0600 and return it; refuses to overwrite a file."""
    path = Path(path)
    secret = new_secret()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SecretFileError(f"{path}: a terminal secret file already exists; not overwriting it") from None
    except OSError as exc:
        raise SecretFileError(f"{path}: cannot create the terminal secret file: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, secret + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return secret
