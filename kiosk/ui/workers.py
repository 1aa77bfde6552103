"""Runs blocking work (network, printer) off the GUI thread and reports back through signals.

`run_async(fn, on_done, on_error)` is the one way the UI starts long work."""
from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from kiosk.errors import describe_error

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # thread top: reported to the GUI thread, which decides what the citizen sees
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


_live: set[_Relay] = set()


def run_async(fn: Callable[[], Any], on_done: Callable[[Any], None],
              on_error: Callable[[Exception], None] | None = None) -> None:
    """Run `fn` on the thread pool; `on_done(result)` or `on_error(exc)` run on the GUI thread."""
    relay = _Relay()
    _live.add(relay)

    def finish(callback, value):
        _live.discard(relay)
        relay.deleteLater()
        if callback is not None:
            callback(value)
        elif isinstance(value, Exception):
            log.error("background task %s failed: %s", getattr(fn, "__qualname__", fn), describe_error(value))

    relay.done.connect(lambda value: finish(on_done, value))
    relay.failed.connect(lambda exc: finish(on_error, exc))
    QThreadPool.globalInstance().start(_Task(fn, relay))


def wait_for_workers(timeout_ms: int = 5000) -> bool:
    """Block until every background task ended (used at shutdown and by tests)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
