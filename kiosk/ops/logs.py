"""The log as staff see it: the last lines of the kiosk's log file, and a filter that masks personal data.

Records should carry no personal data in the first place; the filter is the safety net for mistakes."""
from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from kiosk.ops.audit import mask_personal_data

_CHUNK = 8192


def last_lines(path: str | Path, n: int = 50, max_bytes: int = 256 * 1024) -> list[str]:
    """The last `n` lines of a log file (oldest first), read from its end; [] when it does not exist.
    Lines are masked again before they are shown."""
    if n <= 0:
        return []
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            end = handle.tell()
            data = b""
            position = end
            while position > 0 and data.count(b"\n") <= n and end - position < max_bytes:
                step = min(_CHUNK, position)
                position -= step
                handle.seek(position)
                data = handle.read(step) + data
    except FileNotFoundError:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    if position > 0 and lines:
        lines = lines[1:]  # the first line is cut off
    return [mask_personal_data(line) for line in lines[-n:]]


class PersonalDataFilter(logging.Filter):
    """Masks ID-number-like and mobile-number-like text in every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class LogFileHandler(logging.handlers.RotatingFileHandler):
    """The kiosk's rotating log file. A write that fails (disk full, file system gone read-only) is reported
    once as one line on stderr, naming the file and the cause, instead of a traceback for every record."""

    def __init__(self, path: str | Path, **kwargs):
        super().__init__(path, **kwargs)
        self.failing = False
        self._failed_now = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)             # a failure lands in handleError below
        if not self._failed_now:
            self.failing = False         # written again: a later failure is reported again

    def flush(self) -> None:
        try:
            super().flush()
        except OSError:
            self.handleError(None)

    def close(self) -> None:
        try:
            super().close()
        except OSError:   # what could not be flushed is lost; the disk said why once already
            self.stream = None

    def handleError(self, record: logging.LogRecord | None) -> None:
        import sys

        self._failed_now = True
        if self.failing:
            return
        self.failing = True
        exc = sys.exc_info()[1]
        cause = getattr(exc, "strerror", None) or (f"{type(exc).__name__}: {exc}" if exc else "unknown error")
        try:
            sys.stderr.write(f"kiosk: cannot write the log file {self.baseFilename}: {cause} "
                             "(log records are lost until it can be written again)\n")
        except (OSError, ValueError):  # stderr itself may be gone or closed
            pass

