"""The root of the kiosk's own errors: every failure a caller is expected to handle derives from KioskError.

Each layer defines its children (configuration, storage, central, printer) next to the code that raises them."""
from __future__ import annotations


class KioskError(Exception):
    """An expected failure with a message fit for a technician's console or a log line."""


def describe_error(exc: BaseException) -> str:
    """An exception as one log line: its class and its message (which names the key or file), never the class
    alone. An empty message falls back to the cause's, then to the class name."""
    text = str(exc).strip()
    if not text and exc.__cause__ is not None:
        text = str(exc.__cause__).strip()
    text = " ".join(text.split())   # one line
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
