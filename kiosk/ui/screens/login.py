"""Login: the QR for the phone app, the user code as text, a countdown, and what happened.

The controller feeds it the device authorization and each poll's progress; it only displays."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal

from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.widgets import QrView, button, card, label


class LoginScreen(Screen):
    stage = Stage.LOGIN
    voice_key = "voice.login"
    cancelled = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.title = label(role="title", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.title)
        row = self.flip_row(32)
        qr_card, qr_layout = card()
        self.qr_card = qr_card
        self.qr = QrView(380)
        qr_layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignCenter)
        self.user_code = label(role="code", align=Qt.AlignmentFlag.AlignCenter)
        self.user_code.setObjectName("user_code")
        qr_layout.addWidget(self.user_code)
        row.addWidget(qr_card, 1)
        info_card, info_layout = card()
        self.steps = label(role="heading")
        self.steps.setObjectName("login_steps")
        self.status = label(role="notice")
        self.status.setObjectName("login_status")
        self.countdown = label(role="muted")
        self.countdown.setObjectName("login_countdown")
        self.scanner_hint = label(role="muted")
        self.card_message = label(role="heading")       # the card's progress, large: often read by the elderly
        self.card_message.setObjectName("login_card_message")
        self.card_message.hide()
        self.card_hint = label(role="muted")
        self.card_hint.setObjectName("login_card_hint")
        self.card_hint.hide()
        info_layout.addWidget(self.steps)
        info_layout.addWidget(self.card_message)
        info_layout.addWidget(self.status)
        info_layout.addWidget(self.countdown)
        info_layout.addWidget(self.scanner_hint)
        info_layout.addWidget(self.card_hint)
        info_layout.addStretch(1)
        self.cancel_button = button(on_click=self.cancelled.emit)
        self.cancel_button.setObjectName("login_cancel")
        info_layout.addWidget(self.cancel_button)
        row.addWidget(info_card, 1)
        self.root.addLayout(row, 1)
        self._status_key = "login.waiting"
        self._code = ""
        self._seconds_left = 0
        self._has_reader = False
        self._card_mode = False      # a resident ID card is in play: the screen speaks of it, not of the phone

    def enter(self, visit: Visit) -> None:
        self.qr.clear_code()
        self._code = ""
        self._seconds_left = 0
        self._status_key = "login.waiting"
        self._card_mode = False
        super().enter(visit)

    def show_code(self, verification_uri_complete: str, user_code: str, seconds_left: int) -> None:
        self.qr.show_data(verification_uri_complete)
        self._code = user_code
        self._seconds_left = seconds_left
        if self._status_key == "login.waiting":
            self._status_key = ""            # the code is here: "fetching the code" would contradict the screen
        self.refresh(None)

    def clear_code(self) -> None:
        """The code on screen is spent or expired; a new one is on its way."""
        self.qr.clear_code()
        self._code = ""
        self.refresh(None)

    def set_card_reader(self, present: bool) -> None:
        """Whether the terminal has an ID card reader: the screen then offers it to those without a phone."""
        self._has_reader = present
        self.card_hint.setVisible(present)

    def show_status(self, key: str) -> None:
        self._status_key = key
        if key.startswith("login.card_"):
            self._card_mode = True
        self.refresh(None)

    def set_seconds_left(self, seconds_left: int) -> None:
        """The shown code's countdown (the code itself is unchanged)."""
        self._seconds_left = seconds_left
        self.refresh(None)

    def arrange(self, portrait: bool) -> None:
        # elderly mode enlarges the code too: held further from older eyes, a phone still reads it
        self.qr.set_size((520 if portrait else 460) if self.ctx.elderly else (440 if portrait else 380))

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        self.title.setText(tr("login.card_title" if self._card_mode else "login.title"))
        self.steps.setText(tr("login.steps"))
        for phone_part in (self.qr_card, self.steps, self.countdown, self.scanner_hint, self.card_hint):
            phone_part.setVisible(not self._card_mode and (phone_part is not self.card_hint or self._has_reader))
        self.user_code.setText(tr("login.user_code", code=self._code) if self._code else "")
        self.status.setText(tr(self._status_key) if self._status_key else "")
        self.status.setVisible(bool(self._status_key) and not self._card_mode)
        self.card_message.setText(self.status.text())
        self.card_message.setVisible(self._card_mode)
        self.countdown.setText(tr("login.countdown", seconds=self._seconds_left) if self._code else "")
        self.scanner_hint.setText(tr("login.scanner_hint"))
        self.card_hint.setText(tr("login.card_hint"))
        self.cancel_button.setText(tr("login.cancel"))

    def leave(self) -> None:
        self.qr.clear_code()
        self._code = ""
