"""The root of the kiosk's own exceptions, and its four families: configuration, local store, central, printer.

Callers that must survive any failure of the kiosk's own making catch KioskError; each module raises a child."""
from __future__ import annotations


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose; the message says what and where, in plain words."""


class ConfigError(KioskError):
    """One or more problems in a configuration file; `problems` lists them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class StoreError(KioskError):
    """The local database could not be opened or written (disk full, corrupt, read-only)."""


class CentralError(KioskError):
    """Base of every error from talking to central."""


class PrinterError(KioskError):
    """Base of every printer error: a profile that is missing or wrong, a link that cannot be opened or broke."""
