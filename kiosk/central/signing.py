"""HMAC-SHA256 signing of terminal requests, its verification, and terminal secret files.

The signature covers method, path with query, timestamp and the SHA-256 of the body (docs/central-api.md)."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path

HEADER_TERMINAL = "X-Terminal-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGNATURE = "X-Signature"
SIGNATURE_PREFIX = "v1="
DEFAULT_WINDOW = 300.0
MIN_SECRET_LENGTH = 32


class SecretFileError(Exception):
    """A terminal secret file is missing, unreadable, too open, or too short; the message names the file."""


class SignatureRejected(Exception):
    """A request's signature does not hold; `reason` is the code sent back with the 401."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SignedHeaders:
    """The three headers a signed request carries."""
    terminal_id: str
    timestamp: str
    signature: str

    def as_dict(self) -> dict[str, str]:
        return {HEADER_TERMINAL: self.terminal_id, HEADER_TIMESTAMP: self.timestamp,
                HEADER_SIGNATURE: self.signature}


def canonical_string(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    """The exact bytes signed: METHOD, path with query, timestamp and hex SHA-256 of the body, one per line."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{digest}".encode("utf-8")


def compute_signature(secret: bytes, method: str, path: str, timestamp: str, body: bytes) -> str:
    """The X-Signature value: "v1=" followed by the hex HMAC-SHA256 of the canonical string."""
    mac = hmac.new(secret, canonical_string(method, path, timestamp, body), hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def sign_request(secret: bytes, terminal_id: str, method: str, path: str, body: bytes,
                 now: float | None = None) -> SignedHeaders:
    """Headers that authenticate one request of `terminal_id` at time `now` (Unix seconds)."""
    timestamp = str(int(time.time() if now is None else now))
    return SignedHeaders(terminal_id, timestamp, compute_signature(secret, method, path, timestamp, body))


def verify_signature(secret: bytes, method: str, path: str, timestamp: str, signature: str, body: bytes,
                     now: float | None = None, window: float = DEFAULT_WINDOW) -> None:
    """Raise SignatureRejected (reason bad_timestamp, clock_skew or bad_signature) unless the signature holds."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        raise SignatureRejected("bad_timestamp", f"{HEADER_TIMESTAMP} must be whole Unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - stamp) > window:
        raise SignatureRejected("clock_skew", f"{HEADER_TIMESTAMP} is {stamp - current:+.0f} s away from "
                                              f"server time; allowed ±{window:.0f} s")
    expected = compute_signature(secret, method, path, timestamp, body)
    if not hmac.compare_digest(expected.encode("ascii"), (signature or "").encode("utf-8", "replace")):
        raise SignatureRejected("bad_signature", "the request signature does not match")


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
