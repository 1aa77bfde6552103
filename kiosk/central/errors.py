"""The one exception hierarchy callers of the central API catch.

The UI never meets a raw requests exception: the client turns everything into one of these."""
from __future__ import annotations


class CentralError(Exception):
    """Base of every error from talking to central."""


class CentralUnavailable(CentralError):
    """Central could not be reached or answered with a server error; safe to retry later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class CentralRefused(CentralError):
    """Central understood the request and refused it; `reason` is its machine-readable code."""

    def __init__(self, message: str, reason: str = "", status: int = 400):
        super().__init__(message)
        self.reason = reason
        self.status = status


class LoginExpired(CentralError):
    """The citizen's token (or the device code) is no longer valid: log in again."""


class InvalidAnswer(CentralError):
    """Central answered something that does not match the contract (malformed JSON, missing field)."""


class AnswerTooLarge(InvalidAnswer):
    """Central's answer is larger than the terminal reads (compressed or decompressed); it was not read."""


class LoginPending(CentralError):
    """RFC 8628 authorization_pending; `scanned` is the optional extension saying the QR was scanned."""

    def __init__(self, scanned: bool = False):
        super().__init__("authorization pending")
        self.scanned = scanned


class SlowDown(CentralError):
    """RFC 8628 slow_down: the polling interval must grow by 5 seconds from now on."""


class LoginDenied(CentralError):
    """RFC 8628 access_denied: the citizen refused the login on the phone."""
