"""Rating (好差评): five levels, one tap each, and a skip.

The tap is the whole interaction; sending happens in the background."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSizePolicy

from kiosk.central.models import RATING_CODES
from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.widgets import button, label

# Stars as a second cue beside the words (colour is never the only cue).
RATING_STARS = {"very_satisfied": 5, "satisfied": 4, "basically_satisfied": 3, "dissatisfied": 2,
                "very_dissatisfied": 1}


class RatingScreen(Screen):
    stage = Stage.RATING
    voice_key = "voice.rating"
    rated = Signal(str)
    skipped = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.root.addStretch(1)
        self.title = label(role="title", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.title)
        row = self.flip_row(16)
        self.level_buttons = {}
        for code in RATING_CODES:
            b = button(role="rating", on_click=lambda _=False, c=code: self.rated.emit(c))
            b.setObjectName(f"rate_{code}")
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.level_buttons[code] = b
            row.addWidget(b)
        self.root.addLayout(row)
        self.skip_button = button(on_click=self.skipped.emit)
        self.skip_button.setObjectName("rate_skip")
        self.root.addWidget(self.skip_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.root.addStretch(1)

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        self.title.setText(tr("rating.title"))
        for code, b in self.level_buttons.items():
            stars = RATING_STARS[code]
            b.setText(f"{'★' * stars}{'☆' * (5 - stars)}\n{tr('rating.' + code)}")
        self.skip_button.setText(tr("rating.skip"))
