"""Submitting and printing: progress while central or the printer works, and a printer failure explained.

When printing fails the application number stays on screen with a QR to keep the document on the phone."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QProgressBar

from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.widgets import QrView, button, card, label


class _ProgressScreen(Screen):
    title_key = ""

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.root.addStretch(1)
        self.title = label(role="title", align=Qt.AlignCenter)
        self.root.addWidget(self.title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.root.addWidget(self.bar)
        self.root.addStretch(1)

    def refresh(self, visit: Visit | None) -> None:
        self.title.setText(self.ctx.tr(self.title_key))


class SubmittingScreen(_ProgressScreen):
    stage = Stage.SUBMITTING
    voice_key = "voice.submitting"
    title_key = "submit.title"


class PrintingScreen(_ProgressScreen):
    stage = Stage.PRINTING
    voice_key = "voice.printing"
    title_key = "print.title"
    continue_requested = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        problem_card, layout = card()
        self.problem = label(role="error")
        self.problem.setObjectName("print_problem")
        self.hint = label()
        self.qr = QrView(300)
        self.continue_button = button(role="primary", on_click=self.continue_requested.emit)
        self.continue_button.setObjectName("print_continue")
        layout.addWidget(self.problem)
        layout.addWidget(self.hint)
        layout.addWidget(self.qr, 0, Qt.AlignCenter)
        layout.addWidget(self.continue_button)
        self.problem_card = problem_card
        self.root.insertWidget(self.root.count() - 1, problem_card)
        self._failure: tuple[str, str, str] | None = None   # problem text, number, url

    def enter(self, visit: Visit) -> None:
        self._failure = None
        super().enter(visit)

    def show_failure(self, problem_text: str, application_number: str, url: str) -> None:
        self._failure = (problem_text, application_number, url)
        if url:
            self.qr.show_data(url)
        self.refresh(None)

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        failed = self._failure is not None
        self.title.setText(tr("print.title") if not failed else tr("print.failed", problem=self._failure[0]))
        self.bar.setVisible(not failed)
        self.problem_card.setVisible(failed)
        if failed:
            problem, number, url = self._failure
            self.problem.setText(tr("print.number", number=number))
            self.hint.setText(tr("print.failed_hint", number=number))
            self.qr.setVisible(bool(url))
        self.continue_button.setText(tr("print.continue"))

    def leave(self) -> None:
        self._failure = None
        self.qr.clear_code()
        self.problem.clear()
        self.hint.clear()
