"""The on-screen keyboard for text: Qt Virtual Keyboard (pinyin for Chinese), shown when a text field is tapped.

`prepare_environment()` must run before the QApplication exists: Qt reads the input-method choice once."""
from __future__ import annotations

import os
from typing import MutableMapping

from PySide6.QtCore import QLocale, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

KEYBOARD_MODULE = "qtvirtualkeyboard"


def prepare_environment(environ: MutableMapping[str, str] = os.environ, locale: str = "zh_CN") -> None:
    """Select Qt Virtual Keyboard unless the terminal's environment chose otherwise; pinyin layout first."""
    environ.setdefault("QT_IM_MODULE", KEYBOARD_MODULE)
    if locale == "zh_CN":
        # The keyboard opens in the default locale's layout: pinyin for zh_CN (it has an English key too).
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))


def takes_text(widget) -> bool:
    """A field the citizen types letters or Chinese into (digit fields use the big keypad instead)."""
    return isinstance(widget, QLineEdit) and not widget.isReadOnly() and widget.testAttribute(
        Qt.WidgetAttribute.WA_InputMethodEnabled)


class KeyboardOnFocus(QObject):
    """A text field that gets focus opens the keyboard at once (Qt's default waits for a second tap); any other
    field closes it. While it is open, `room_needed(pixels)` tells the window how much of its bottom it covers,
    so the window can make room and keep the field and what belongs to it in sight."""

    room_needed = Signal(int)

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        app = QApplication.instance()
        assert isinstance(app, QApplication), "the keyboard helper needs the QApplication"
        # Qt would also open the keyboard for any field tapped, digit fields included (its numeric layout over the
        # kiosk's own keypad): this helper alone decides when it opens.
        app.setAutoSipEnabled(False)
        app.focusChanged.connect(self._focus_changed)
        im = QApplication.inputMethod()
        im.visibleChanged.connect(self._keyboard_moved)
        im.keyboardRectangleChanged.connect(self._keyboard_moved)

    def _focus_changed(self, old, new) -> None:
        if takes_text(new):
            QApplication.inputMethod().show()
        elif new is not None:
            QApplication.inputMethod().hide()     # a digit field, a button: the big keypad or nothing

    def _keyboard_moved(self) -> None:
        im = QApplication.inputMethod()
        covered = 0
        if im.isVisible():   # the rectangle is in the window's coordinates
            covered = max(0, self.window.height() - int(im.keyboardRectangle().y()))
        self.room_needed.emit(covered)


def hide_keyboard() -> None:
    """Close the keyboard and take focus from any field (a screen changed)."""
    focused = QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()
    QApplication.inputMethod().hide()
