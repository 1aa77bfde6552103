"""Reads the barcode scanner (a keyboard wedge) while no text field is being filled in.

Filters the kiosk's QWindow: keys arriving with no editable field focused go to kiosk.core.scanner, not to a widget."""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit

from kiosk.core.scanner import WedgeClassifier


def text_input_focused() -> bool:
    """True when the focused widget takes typed text (so keys belong to it, not to the scanner)."""
    w = QApplication.focusWidget()
    if isinstance(w, QLineEdit):
        return not w.isReadOnly()
    if isinstance(w, (QTextEdit, QPlainTextEdit)):
        return not w.isReadOnly()
    if isinstance(w, QComboBox):
        return w.isEditable()
    return isinstance(w, QAbstractSpinBox)


class ScannerInput(QObject):
    """Filter for the kiosk's QWindow; emits `code_scanned(code)` when a fast burst ends in Enter."""

    code_scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, clock_ms: Callable[[], float] = lambda: time.monotonic() * 1000):
        super().__init__(parent)
        self.clock_ms = clock_ms
        self.classifier = WedgeClassifier()
        self.enabled = True

    def eventFilter(self, watched, event) -> bool:
        if not self.enabled or event.type() != QEvent.Type.KeyPress:
            return False
        if text_input_focused():
            self.classifier.reset()
            return False
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                                | Qt.KeyboardModifier.MetaModifier):
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            char = "\n"
        else:
            char = event.text()
            if len(char) != 1 or not char.isprintable():
                return False
        code = self.classifier.feed(char, self.clock_ms())
        if code:
            self.code_scanned.emit(code)
        return True
