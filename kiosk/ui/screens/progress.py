"""Submitting and printing: progress while central or the printer works, and a printer failure explained.

Submitting can be cancelled until the request leaves; a failed print keeps the number and a QR on screen."""
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
        self.title = label(role="title", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.title)
        self.detail = label(role="heading", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.detail)
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
    cancel_requested = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.cancel_button = button(on_click=self.cancel_requested.emit)
        self.cancel_button.setObjectName("submit_cancel")
        self.root.insertWidget(self.root.count() - 1, self.cancel_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.seconds_to_send = 0
        self.sent = False

    def enter(self, visit: Visit) -> None:
        self.sent = False
        super().enter(visit)

    def show_waiting(self, seconds_to_send: int) -> None:
        """Nothing sent yet: the request leaves in `seconds_to_send` s unless cancelled."""
        self.seconds_to_send = seconds_to_send
        self.sent = False
        self.refresh(None)

    def show_sent(self) -> None:
        """The request left: it can no longer be called back, so cancel goes away."""
        self.sent = True
        self.refresh(None)

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        self.title.setText(tr("submit.title"))
        self.detail.setText(tr("submit.sent") if self.sent else tr("submit.cancel_hint", seconds=self.seconds_to_send))
        self.cancel_button.setText(tr("submit.cancel"))
        self.cancel_button.setVisible(not self.sent)


class PrintingScreen(_ProgressScreen):
    stage = Stage.PRINTING
    voice_key = "voice.printing"
    title_key = "print.title"
    continue_requested = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        problem_card, layout = card()
        self.problem = label(role="heading")
        self.problem.setObjectName("print_problem")
        self.advice = label()
        self.advice.setObjectName("print_advice")
        self.number = label(role="code")
        self.number.setObjectName("print_number")
        self.hint = label()
        self.qr = QrView(300)
        self.qr.setObjectName("print_qr")
        self.continue_button = button(role="primary", on_click=self.continue_requested.emit)
        self.continue_button.setObjectName("print_continue")
        for w in (self.problem, self.advice, self.number, self.hint):
            layout.addWidget(w)
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.continue_button)
        self.problem_card = problem_card
        self.root.insertWidget(self.root.count() - 1, problem_card)
        self._failure: tuple | None = None   # problem, advice, number, url (problem/advice: text or locale → text)

    def enter(self, visit: Visit) -> None:
        self._failure = None
        super().enter(visit)

    def show_failure(self, problem, application_number: str, url: str, advice="") -> None:
        """`problem` and `advice` are texts, or functions of the locale (so a language switch redraws them)."""
        self._failure = (problem, advice, application_number, url)
        if url:
            self.qr.show_data(url)
        self.refresh(None)

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        failure = self._failure
        failed = failure is not None
        self.title.setText(tr("print.failed_title") if failed else tr("print.title"))
        self.detail.setVisible(False)
        self.bar.setVisible(not failed)
        self.problem_card.setVisible(failed)
        if failure is not None:
            problem, advice, number, url = failure
            problem = problem(self.ctx.locale) if callable(problem) else problem
            advice = advice(self.ctx.locale) if callable(advice) else advice
            self.problem.setText("⚠ " + tr("print.failed", problem=problem))
            self.advice.setText(tr("print.advice", advice=advice) if advice else "")
            self.advice.setVisible(bool(advice))
            self.number.setText(tr("print.number", number=number) if number else "")
            self.hint.setText(tr("print.failed_hint") if url else tr("print.failed_hint_no_qr"))
            self.qr.setVisible(bool(url))
        self.continue_button.setText(tr("print.continue"))

    def leave(self) -> None:
        self._failure = None
        self.qr.clear_code()
        for w in (self.problem, self.advice, self.number, self.hint):
            w.clear()
