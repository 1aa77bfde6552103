"""The staff screen as an overlay on the kiosk window: PIN first, then the panel.

Opening it ends any citizen's visit; closing it returns to the home screen with the new service mode."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QStackedLayout, QWidget

from kiosk.ops.pin import PinGate
from kiosk.ops.staff_console import StaffConsole
from kiosk.ui.staff.panel import StaffPanel
from kiosk.ui.staff.pin_entry import PinEntry


class StaffScreen(QFrame):
    """Covers the whole kiosk window while staff work; emits `restart_requested` and `closed`."""

    restart_requested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget, console: StaffConsole, gate: PinGate):
        super().__init__(parent)
        self.setObjectName("StaffScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QFrame#StaffScreen { background: #F3F6FA; }")
        self.console = console
        self.gate = gate
        self.stack = QStackedLayout(self)
        self.pin: PinEntry | None = None
        self.panel: StaffPanel | None = None
        self.hide()

    def _parts(self) -> tuple[PinEntry, StaffPanel]:
        """The PIN pad and the panel, made on first use: start-up does not wait for them."""
        if self.pin is None or self.panel is None:
            self.pin = PinEntry(self.gate, locale=self.console.terminal.config.ui.locale)
            self.panel = StaffPanel(self.console)
            self.stack.addWidget(self.pin)
            self.stack.addWidget(self.panel)
            self.pin.accepted.connect(self._unlocked)
            self.pin.cancelled.connect(self.close_screen)
            self.panel.closed.connect(self.close_screen)
            self.panel.restart_requested.connect(self.restart_requested.emit)
        return self.pin, self.panel

    def open(self) -> None:
        pin, _ = self._parts()
        pin.reset()
        self.stack.setCurrentWidget(pin)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()

    def _unlocked(self) -> None:
        _, panel = self._parts()
        self.stack.setCurrentWidget(panel)
        panel.open()

    def close_screen(self) -> None:
        self.hide()
        if self.pin is not None:
            self.stack.setCurrentWidget(self.pin)
        self.closed.emit()

    @property
    def unlocked(self) -> bool:
        return self.isVisible() and self.panel is not None and self.stack.currentWidget() is self.panel
