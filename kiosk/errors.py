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


def describe_error(exc: BaseException) -> str:
    """An exception as one log line: its class and its message (which names the key or file), never the class
    alone. An empty message falls back to the cause's, then to the class name."""
    text = str(exc).strip()
    if not text and exc.__cause__ is not None:
        text = str(exc.__cause__).strip()
    text = " ".join(text.split())   # one line
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
