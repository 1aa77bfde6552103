"""Idle handling: any touch restarts the clock; after the timeout a warning counts down, then the visit ends.

The warning is an overlay with 继续 (continue): the citizen is never logged out without seeing why."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.screens.base import UiContext
from kiosk.ui.widgets import button, label

ACTIVITY_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress, QEvent.Type.TouchUpdate,
                   QEvent.Type.MouseMove, QEvent.Type.Wheel}


class IdleWatcher(QObject):
    """Application-wide event filter: `warn` after `timeout` s of no input, `expired` `warning` s later."""

    warn = Signal(int)       # seconds left
    tick = Signal(int)       # seconds left, during the warning
    expired = Signal()

    def __init__(self, timeout: int, warning: int, clock=time.monotonic):
        super().__init__()
        self.timeout = timeout
        self.warning = warning
        self.clock = clock
        self.armed = False
        self.warning_since: float | None = None
        self.last_activity = clock()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(500)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in ACTIVITY_EVENTS and self.warning_since is None:
            self.last_activity = self.clock()
        return False

    def arm(self, armed: bool) -> None:
        """Only a visit in progress is watched; home and out-of-service are not."""
        self.armed = armed
        self.touch()

    def touch(self) -> None:
        self.last_activity = self.clock()
        self.warning_since = None

    def check(self) -> None:
        if not self.armed:
            return
        now = self.clock()
        if self.warning_since is None:
            if now - self.last_activity >= self.timeout:
                self.warning_since = now
                self.warn.emit(self.warning)
            return
        left = self.warning - int(now - self.warning_since)
        if left <= 0:
            self.warning_since = None
            self.armed = False
            self.expired.emit()
        else:
            self.tick.emit(left)


BOX_WIDTH = 960   # px: the warning's card, narrower on a narrow screen

class IdleWarning(QFrame):
    """The overlay that asks 您还在办理吗？ with a countdown, 继续 and 退出."""

    continue_requested = Signal()
    end_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("IdleWarning")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QFrame#IdleWarning { background: rgba(10, 20, 40, 200); }")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QFrame()
        box.setObjectName("Card")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(48, 40, 48, 40)
        self.title = label(role="title", align=Qt.AlignmentFlag.AlignCenter)
        self.body = label(role="heading", align=Qt.AlignmentFlag.AlignCenter)
        self.body.setObjectName("idle_body")
        inner.addWidget(self.title)
        inner.addWidget(self.body)
        row = QHBoxLayout()
        self.end_button = button(on_click=self.end_requested.emit)
        self.end_button.setObjectName("idle_end")
        self.continue_button = button(role="primary", on_click=self.continue_requested.emit)
        self.continue_button.setObjectName("idle_continue")
        row.addWidget(self.end_button)
        row.addWidget(self.continue_button)
        inner.addLayout(row)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignCenter)
        outer.addStretch(1)
        self.box = box
        self.seconds = 0
        self.hide()

    def show_seconds(self, seconds: int) -> None:
        self.seconds = seconds
        self.refresh()
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self._fit()
        self.raise_()
        self.show()

    def refresh(self) -> None:
        tr = self.ctx.tr
        self.title.setText(tr("idle.title"))
        self.body.setText(tr("idle.body", seconds=self.seconds))
        self.end_button.setText(tr("idle.end"))
        self.continue_button.setText(tr("idle.continue"))
        self._fit()

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            QTimer.singleShot(0, self._fit)     # elderly mode's larger words: measure again once restyled
        super().changeEvent(event)

    def _fit(self) -> None:
        """A set width lets the words wrap and the card grow to hold every line (English is longer)."""
        parent = self.parentWidget()
        inner = self.box.layout()
        if parent is None or inner is None:
            return
        for part in (self.title, self.body, self.end_button, self.continue_button):
            part.ensurePolished()        # the fonts of the mode just chosen, before measuring
        width = min(BOX_WIDTH, max(320, parent.width() - 96))
        self.box.setFixedWidth(width)
        self.box.setFixedHeight(inner.totalHeightForWidth(width))
