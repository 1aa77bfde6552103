"""Run under a real X server by test_real_display.py: the kiosk window, a text field tapped, another window.

Prints one JSON line: whether the virtual keyboard appeared (and in which locale), and who holds focus afterwards."""
import json
import os
import sys
import time
from pathlib import Path


def main(data_dir: str) -> None:
    from kiosk.ui.input_method import prepare_environment

    prepare_environment()
    import dataclasses

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from kiosk.config import embedded_defaults
    from kiosk.core.session import Stage, Visit
    from kiosk.ui.screens.base import UiContext
    from kiosk.ui.window import KioskWindow

    app = QApplication([])
    config = embedded_defaults(Path(data_dir))
    config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=True))
    window = KioskWindow(config, UiContext())
    window.showFullScreen()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    pump(1.0)
    window.show_stage(Stage.CATALOG, Visit())
    pump(0.3)
    field = window.catalog.search
    QTest.mouseClick(field, Qt.LeftButton, Qt.NoModifier, QPoint(20, field.height() // 2))
    deadline = time.monotonic() + 10
    im = QApplication.inputMethod()
    while time.monotonic() < deadline and not im.isVisible():
        pump(0.1)
    pump(0.5)
    result = {"keyboard_visible": im.isVisible(), "keyboard_height": im.keyboardRectangle().height(),
              "keyboard_locale": im.locale().name(), "focus_is_field": QApplication.focusWidget() is field,
              "geometry": [window.width(), window.height()]}
    window.show_stage(Stage.HOME, Visit())
    pump(0.5)
    result["keyboard_hidden_on_new_screen"] = not im.isVisible()
    other = QWidget()
    other.setWindowTitle("another program")
    other.resize(400, 300)
    other.show()
    other.activateWindow()
    pump(0.2)
    result["other_took_focus"] = other.isActiveWindow()
    pump(1.5)
    result["kiosk_active_again"] = window.isActiveWindow()
    print(json.dumps(result), flush=True)
    window.allow_close = True
    window.close()
    other.close()
    app.processEvents()
    os._exit(0)     # skip interpreter teardown: Qt objects must not outlive the application object


if __name__ == "__main__":
    main(sys.argv[1])
