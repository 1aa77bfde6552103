"""Done: the visit is over; a countdown logs the citizen out unless they finish first.

The countdown is shown in words and digits so the citizen knows what will happen."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal

from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.widgets import button, label


class DoneScreen(Screen):
    stage = Stage.DONE
    voice_key = "voice.done"
    finish_requested = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.root.addStretch(1)
        self.title = label(role="success", align=Qt.AlignmentFlag.AlignCenter)
        self.body = label(role="heading", align=Qt.AlignmentFlag.AlignCenter)
        self.thanks = label(role="muted", align=Qt.AlignmentFlag.AlignCenter)
        self.countdown = label(role="muted", align=Qt.AlignmentFlag.AlignCenter)
        self.countdown.setObjectName("done_countdown")
        self.finish_button = button(role="primary", on_click=self.finish_requested.emit)
        self.finish_button.setObjectName("done_finish")
        for w in (self.title, self.body, self.thanks, self.countdown):
            self.root.addWidget(w)
        self.root.addWidget(self.finish_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.root.addStretch(1)
        self.seconds_left = 0
        self.rated = False
        self.body_key, self.number = "done.body", ""

    def enter(self, visit: Visit) -> None:
        self.rated = bool(visit.rating)
        self.body_key, self.number = self.slip_words(visit)
        super().enter(visit)

    @staticmethod
    def slip_words(visit: Visit) -> tuple[str, str]:
        """What to say of the slip: take it, it was not printed (and where it is instead), or there was none."""
        result = visit.result
        if result is None or result.document is None:
            return "done.body_nothing_printed", ""
        if visit.print_ok is False:
            return "done.body_not_printed", result.application_number
        return "done.body", ""

    def set_seconds_left(self, seconds: int) -> None:
        self.seconds_left = seconds
        self.refresh(None)

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        self.title.setText("✔ " + tr("done.title"))
        self.body.setText(tr(self.body_key, number=self.number))
        self.body.setWordWrap(True)
        self.thanks.setText(tr("rating.thanks") if self.rated else "")
        self.countdown.setText(tr("done.countdown", seconds=self.seconds_left))
        self.finish_button.setText(tr("done.finish"))

    def leave(self) -> None:
        self.body_key, self.number, self.rated = "done.body", "", False
        super().leave()
