"""Runs the real kiosk full-screen on an X display and drives it with xdotool, as a citizen's finger would.

Run by tests/xreal/test_real_display.py (DISPLAY set to its Xvfb); writes what it saw as JSON to argv[1] and a
screenshot of the whole X screen (virtual keyboard included) for each step into argv[2]; argv[3], if given,
is the language the citizen switches to after logging in (zh_CN or en)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(report_path: str, shots_dir: str, locale: str = "zh_CN") -> int:
    from PySide6.QtCore import QCoreApplication, QPoint, QRect
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from kiosk.app import build_kiosk, show, shutdown
    from kiosk.core.session import Stage
    from kiosk_devtools.list_rows import ListRow
    from tests.ui.conftest import CITIZEN, kiosk_config

    config = kiosk_config(Path(tempfile.mkdtemp()) / "data", fullscreen=True)
    parts = build_kiosk(config)
    c, w = parts.controller, parts.window
    show(parts, fullscreen=True)
    c.start()
    report: dict = {}
    shots = Path(shots_dir)

    def pump(seconds: float, until=None) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            if until is not None and until():
                return True
            time.sleep(0.01)
        return until() if until is not None else True

    def global_rect(widget) -> QRect:
        return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())

    def tap(widget) -> None:
        centre = global_rect(widget).center()
        subprocess.run(["xdotool", "mousemove", str(centre.x()), str(centre.y()), "click", "1"], check=True)
        pump(0.8)

    def keyboard() -> dict:
        im = QGuiApplication.inputMethod()
        r = im.keyboardRectangle()
        return {"visible": im.isVisible(), "rect": [r.x(), r.y(), r.width(), r.height()]}

    def shot(name: str) -> None:
        screen = QGuiApplication.primaryScreen()
        screen.grabWindow(0).save(str(shots / f"{name}.png"))

    def rect_list(r: QRect) -> list[int]:
        return [r.x(), r.y(), r.width(), r.height()]

    try:
        if not pump(40, lambda: c.services_up and c.printer_ready and bool(w.home.tiles.tiles)):
            raise SystemExit("the kiosk did not start")
        report["window"] = rect_list(global_rect(w))
        report["screen"] = rect_list(QGuiApplication.primaryScreen().geometry())
        # A keyboard-wedge card scanner: the code typed in a fast burst, then Enter.
        subprocess.run(["xdotool", "type", "--delay", "8", CITIZEN.card_code], check=True)
        subprocess.run(["xdotool", "key", "Return"], check=True)
        pump(10, lambda: c.session.stage == Stage.CATALOG)
        report["logged_in"] = c.session.stage == Stage.CATALOG
        if c.ctx.locale != locale:
            c.toggle_language()
            pump(0.5)
        # The search field takes text: the keyboard opens and leaves the field and results in sight.
        tap(w.catalog.search)
        pump(2, lambda: QGuiApplication.inputMethod().isVisible())
        report["search"] = {"keyboard": keyboard(), "field": rect_list(global_rect(w.catalog.search)),
                            "results": rect_list(global_rect(w.catalog.items.viewport()))}
        shot("search-keyboard")
        # A digit field: the keyboard never opens for it, and "." and spaces never get in.
        item = c.terminal.most_used(1)[0]
        ListRow(w.catalog.items, item.id).click()
        pump(5, lambda: c.session.stage == Stage.ITEM)
        year = w.item.inputs["year_from"]
        tap(year)
        report["year_tap"] = {"keyboard": keyboard(), "focus": QApplication.focusWidget() is year}
        subprocess.run(["xdotool", "type", "--delay", "40", "20.2 3"], check=True)
        pump(0.8)
        report["year_text"] = year.text()
        for digit in "2023":
            tap(w.item.keypad.key(digit))
        report["year_after_keypad"] = year.text()
        shot("digit-field")
    finally:
        Path(report_path).write_text(json.dumps(report, indent=1), encoding="utf-8")
        shutdown(parts)
    return 0


if __name__ == "__main__":
    code = main(*sys.argv[1:4])
    sys.stdout.flush()
    sys.stderr.flush()
    # The report and pictures are written. This driver's interpreter teardown (not the kiosk's: `kiosk run`
    # exits 0 on SIGTERM under the same X server) frees a Qt pixmap after the application and aborts, so
    # the process ends here.
    os._exit(code)
