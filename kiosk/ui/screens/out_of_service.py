"""Out of service (暂停服务): why, and whom to call; it goes away by itself when the cause does.

Shown when central is unreachable at home or staff switched the terminal off."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.theme import PALETTE
from kiosk.ui.widgets import label, no_entry_icon


class OutOfServiceScreen(Screen):
    stage = Stage.OUT_OF_SERVICE
    voice_key = "voice.out_of_service"

    def __init__(self, ctx: UiContext, contact: str):
        super().__init__(ctx)
        self.contact = contact
        self.root.addStretch(1)
        self.icon = QLabel()
        self.icon.setObjectName("oos_icon")
        self.icon.setPixmap(no_entry_icon(160, PALETTE.accent))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.icon)
        self.title = label(role="title", align=Qt.AlignmentFlag.AlignCenter)
        self.reason = label(role="heading", align=Qt.AlignmentFlag.AlignCenter)
        self.reason.setObjectName("oos_reason")
        self.contact_label = label(role="muted", align=Qt.AlignmentFlag.AlignCenter)
        for w in (self.title, self.reason, self.contact_label):
            self.root.addWidget(w)
        self.root.addStretch(1)
        self.reason_key = "oos.central"
        self.message = ""

    def set_reason(self, key: str, message: str = "") -> None:
        self.reason_key = key
        self.message = message
        self.refresh(None)

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        self.title.setText(tr("oos.title"))   # the sign above is drawn: the fonts have no ⛔
        self.reason.setText(tr(self.reason_key, message=self.message))
        self.contact_label.setText(tr("oos.contact", contact=self.contact) if self.contact else "")
