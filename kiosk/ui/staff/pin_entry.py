"""PIN entry for the staff screen: a keypad, dots instead of digits, lockout in words.

Checking and lockout are kiosk.ops.pin.PinGate's; this widget only collects digits and shows the result."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import DEFAULT_LOCALE, tr
from kiosk.ops.pin import PinGate, PinNotSet
from kiosk.ui.widgets import NumericKeypad, button, card, label

MAX_PIN_DIGITS = 8


class PinEntry(QWidget):
    """Emits `accepted` after a correct PIN and `cancelled` when staff leave."""

    accepted = Signal()
    cancelled = Signal()

    def words(self, key: str, **params: object) -> str:
        """`key` in the hall's language."""
        return tr(key, self.hall_locale, **params)

    def __init__(self, gate: PinGate, clock=time.time, locale: str = DEFAULT_LOCALE):
        super().__init__()
        self.gate = gate
        self.hall_locale = locale                  # the hall's language
        self.clock = clock
        self.digits = ""
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box, layout = card()
        self.title = label(self.words("staff.pin.title"), role="title", align=Qt.AlignmentFlag.AlignCenter)
        self.dots = label("", role="code", align=Qt.AlignmentFlag.AlignCenter)
        self.dots.setObjectName("pin_dots")
        self.message = label(self.words("staff.pin.prompt"), role="muted", align=Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("pin_message")
        self.keypad = NumericKeypad(self.words("keypad.delete"), self.words("keypad.clear"))
        self.keypad.key("X").setEnabled(False)
        self.keypad.key_pressed.connect(self._digit)
        self.keypad.delete_pressed.connect(lambda: self._set(self.digits[:-1]))
        self.keypad.clear_pressed.connect(lambda: self._set(""))
        row = QHBoxLayout()
        self.cancel_button = button(self.words("staff.pin.back"), on_click=self._cancel)
        self.cancel_button.setObjectName("pin_cancel")
        self.ok_button = button(self.words("staff.pin.ok"), role="primary", on_click=self.submit)
        self.ok_button.setObjectName("pin_ok")
        row.addWidget(self.cancel_button)
        row.addWidget(self.ok_button)
        for widget in (self.title, self.dots, self.message, self.keypad):
            layout.addWidget(widget)
        layout.addLayout(row)
        box.setMaximumWidth(640)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignCenter)
        outer.addStretch(1)

    def reset(self) -> None:
        self._set("")
        state = self.gate.state() if self.gate.configured else None
        if not self.gate.configured:
            self.message.setText(self.words("staff.pin.not_set"))
        elif state is not None and state.locked_until:
            self._show_locked(state.locked_until)
        else:
            self.message.setText(self.words("staff.pin.prompt"))

    def _digit(self, digit: str) -> None:
        if len(self.digits) < MAX_PIN_DIGITS:
            self._set(self.digits + digit)

    def _set(self, digits: str) -> None:
        self.digits = digits
        self.dots.setText("●" * len(digits))

    def _show_locked(self, until: float) -> None:
        minutes = max(1, round((until - self.clock()) / 60))
        self.message.setText(self.words("staff.pin.locked", minutes=minutes))

    def submit(self) -> None:
        pin, self.digits = self.digits, ""
        self._set("")
        try:
            result = self.gate.attempt(pin)
        except PinNotSet:
            self.message.setText(self.words("staff.pin.not_set"))
            return
        if result.ok:
            self.accepted.emit()
        elif result.locked_until:
            self._show_locked(result.locked_until)
        else:
            self.message.setText(self.words("staff.pin.wrong", attempts=result.attempts_left))

    def _cancel(self) -> None:
        self._set("")
        self.cancelled.emit()
