"""Keeps the citizen inside the kiosk: no context menus, no closing or escaping by keyboard, a hidden staff gesture.

One event filter on the kiosk's QWindow, where keys and taps enter first (once each, before any widget)."""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence

from kiosk.core.corner_taps import CornerTaps

BLOCKED_SHORTCUTS = tuple(QKeySequence(s) for s in (
    "Alt+F4", "Ctrl+Q", "Ctrl+W", "Escape", "Alt+Tab", "Ctrl+Alt+Backspace", "Ctrl+Alt+Delete", "Alt+Esc",
    "Ctrl+Esc", "Meta", "Alt+Space"))
BLOCKED_KEYS = frozenset({Qt.Key.Key_Escape, Qt.Key.Key_F4, Qt.Key.Key_Meta, Qt.Key.Key_Super_L,
                          Qt.Key.Key_Super_R, Qt.Key.Key_Menu})


def is_blocked_key(key: int, modifiers) -> bool:
    """True for a key or combination that could close, switch away from, or escape the kiosk."""
    if key in BLOCKED_KEYS:
        return True
    if key in (Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Shift):
        return False
    combo = QKeySequence(int(modifiers.value if hasattr(modifiers, "value") else modifiers) | int(key))
    return any(combo.matches(s) == QKeySequence.SequenceMatch.ExactMatch for s in BLOCKED_SHORTCUTS)


class Lockdown(QObject):
    """Filter for the kiosk's QWindow; emits `staff_gesture` on five taps in its top-left corner."""

    staff_gesture = Signal()

    def __init__(self, window, clock: Callable[[], float] = time.monotonic):
        super().__init__(window)
        self.window = window
        self.clock = clock
        self.taps = CornerTaps()
        self.blocked = 0     # how many key presses were swallowed (for tests and the staff screen)

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick) \
                and event.button() == Qt.MouseButton.RightButton:
            return True             # a right click is how a context menu opens: there is none to open
        if kind == QEvent.Type.ContextMenu:
            return True
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            if is_blocked_key(event.key(), event.modifiers()):
                if kind == QEvent.Type.KeyPress:
                    self.blocked += 1
                return True
            return False
        if kind == QEvent.Type.MouseButtonPress and event.source() == Qt.MouseEventSource.MouseEventNotSynthesized:
            self._tap(event.position())
        elif kind == QEvent.Type.TouchBegin and event.points():
            self._tap(event.points()[0].position())
        return False

    def _tap(self, pos) -> None:
        if self.taps.tap(pos.x(), pos.y(), self.clock()):
            self.staff_gesture.emit()
