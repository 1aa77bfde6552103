"""The on-screen keyboard for text: Qt Virtual Keyboard (pinyin for Chinese), shown when a text field is tapped.

`prepare_environment()` must run before the QApplication exists: Qt reads the input-method choice once."""
from __future__ import annotations

import os
from typing import MutableMapping

from PySide6.QtCore import QLocale, QObject, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

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
    """A text field that gets focus opens the keyboard at once (Qt's default waits for a second tap)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        app = QApplication.instance()
        assert isinstance(app, QApplication), "the keyboard helper needs the QApplication"
        app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, old, new) -> None:
        if takes_text(new):
            QApplication.inputMethod().show()


def hide_keyboard() -> None:
    """Close the keyboard and take focus from any field (a screen changed)."""
    focused = QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()
    QApplication.inputMethod().hide()
