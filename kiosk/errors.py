"""The root of the kiosk's own errors and its four families: configuration, local store, central, printer.

Every failure a caller is expected to handle derives from KioskError; modules raise (children of) these."""
from __future__ import annotations


class KioskError(Exception):
    """An expected failure with a message fit for a technician's console or a log line."""


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
