"""The one exception hierarchy callers of the central API catch, under kiosk.errors.CentralError.

The UI never meets a raw requests exception: the client turns everything into one of these. The RFC 8628
poll outcomes (pending, slow down, denied, expired) are values (kiosk.central.models.TokenPoll), not errors."""
from __future__ import annotations

from kiosk.errors import CentralError  # the family's root, kept importable from here


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

