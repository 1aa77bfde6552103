"""A running kiosk for UI tests: embedded reference central, virtual printer, window offscreen at 1920×1080.

Helpers drive it the way a citizen does: tap real buttons, scan with the simulated phone or the card scanner."""
from __future__ import annotations

import dataclasses
import time

import pytest

from central_server.citizens import SAMPLE_CITIZENS
from kiosk.config import embedded_defaults

CITIZEN = SAMPLE_CITIZENS[0]


def wait_until(predicate, timeout: float = 15.0, what: str = "condition") -> None:
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for: {what}")


def settle(ms: int = 30) -> None:
    """Let queued layout and paint events run: at least `ms`, then until no shown widget moves or resizes any
    more, so a loaded machine that runs layouts late gives the same picture as an idle one."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication, QWidget

    def geometry() -> list:
        return [(id(w), w.geometry().getRect()) for top in QApplication.topLevelWidgets() if top.isVisible()
                for w in [top, *top.findChildren(QWidget)] if w.isVisible()]

    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.002)
    give_up = time.monotonic() + 5.0
    before = geometry()
    while time.monotonic() < give_up:
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        after = geometry()
        if after == before:
            return
        before = after


def kiosk_config(data_dir, **ui):
    config = embedded_defaults(data_dir)
    ui_settings = dict(fullscreen=False, voice=False, show_cursor=True)
    ui_settings.update(ui)
    return dataclasses.replace(config, ui=dataclasses.replace(config.ui, **ui_settings))


class SteppedClock:
    """Monotonic time that a test can move forward (a code's lifetime, a grace period) without waiting."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class Kiosk:
    """One started kiosk and the citizen-like actions the tests need."""

    def __init__(self, parts, clock: SteppedClock | None = None):
        self.parts = parts
        self.clock = clock
        self.c = parts.controller
        self.w = parts.window

    @property
    def stage(self):
        return self.c.session.stage

    def scan_card(self, code: str = CITIZEN.card_code, gap_ms: float = 5) -> None:
        """Type `code` + Enter as a keyboard-wedge scanner does: a fast burst into the window."""
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QKeyEvent
        from PySide6.QtWidgets import QApplication

        clock = [1000.0]
        self.w.scanner.clock_ms = lambda: clock[0]
        handle = self.w.windowHandle()
        for ch in code + "\r":
            key = Qt.Key_Return if ch == "\r" else (ord(ch.upper()) if ch.isalnum() else ord(ch))
            event = QKeyEvent(QKeyEvent.KeyPress, key, Qt.NoModifier, "" if ch == "\r" else ch)
            QApplication.sendEvent(handle, event)
            clock[0] += gap_ms

    def log_in(self) -> None:
        """Log the sample citizen in with the card scanner and wait for the catalogue."""
        from kiosk.core.session import Stage

        self.scan_card()
        wait_until(lambda: self.stage == Stage.CATALOG, what="login by card scanner")

    def open_first_item(self) -> None:
        from kiosk.core.session import Stage
        from kiosk_devtools.list_rows import ListRow

        item = self.c.terminal.most_used(1)[0]
        ListRow(self.w.catalog.items, item.id).click()
        wait_until(lambda: self.stage == Stage.ITEM, what="item screen")

    def fill_and_review(self) -> None:
        from kiosk.core.session import Stage
        from kiosk_devtools.demo import HeadlessDemo

        HeadlessDemo._fill_form(None, self.w.item)
        self.w.item.next_button.click()
        wait_until(lambda: self.stage == Stage.CONFIRM, what="confirm screen")


def running_kiosk(config, ready=lambda parts: True, timeout: float = 15.0):
    """A started kiosk on `config` (a generator for fixtures): yields once its services are up, the printer
    answered, home shows its tiles and `ready(parts)` holds; shuts it down afterwards."""
    from kiosk.app import build_kiosk, show, shutdown

    clock = SteppedClock()
    parts = build_kiosk(config, clock=clock)
    show(parts, fullscreen=False)
    parts.controller.flow.submit_grace = 0.3
    parts.controller.start()
    k = Kiosk(parts, clock)
    wait_until(lambda: parts.controller.services_up and parts.controller.printer_ready
               and bool(parts.window.home.tiles.tiles) and ready(parts), timeout=timeout, what="services up")
    try:
        yield k
    finally:
        shutdown(parts)
        parts.window.deleteLater()
        settle(10)


@pytest.fixture
def kiosk(qapp, tmp_path):
    yield from running_kiosk(kiosk_config(tmp_path / "data"))
