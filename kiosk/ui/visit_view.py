"""The kiosk window as the visit flow's view: each call of kiosk.core.visit_flow.VisitView onto its widgets.

No rules live here: the flow decides what to show, this module only knows which widget shows it."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.config import Config
from kiosk.core.login_code import ShownCode
from kiosk.core.session import Stage, Visit
from kiosk.core.visit_flow import CatalogEntry, PrintFailure, ServiceMode
from kiosk.central.models import Category
from kiosk.i18n import DEFAULT_LOCALE
from kiosk.ui.idle import IdleWatcher
from kiosk.ui.screens.base import UiContext
from kiosk.ui.voice import Voice
from kiosk.ui.window import KioskWindow

OUT_OF_SERVICE_KEYS = {ServiceMode.STAFF_PAUSED: "oos.staff", ServiceMode.STARTUP_FAILED: "oos.central",
                       ServiceMode.CENTRAL_UNREACHABLE: "oos.central"}


class WindowView(QObject):
    """Implements VisitView over a KioskWindow; `stage_shown` tells Qt-side listeners (tests, operations)."""

    stage_shown = Signal(object)          # Stage
    services_up = Signal()                # the terminal's services started
    printer_status_read = Signal(object)  # PrinterStatus
    print_finished = Signal(object)       # PrintOutcome

    def __init__(self, window: KioskWindow, ctx: UiContext, config: Config, idle: IdleWatcher, voice: Voice):
        super().__init__()
        self.window = window
        self.ctx = ctx
        self.config = config
        self.idle = idle
        self.voice = voice
        self.shown_uri = ""
        self.categories: tuple[Category, ...] = ()
        has_reader = bool(config.id_reader.device)
        for stage in (Stage.HOME, Stage.LOGIN):
            window.when_made(stage, lambda screen: screen.set_card_reader(has_reader))
        # The list is made on first use: it takes the categories home shows by then.
        window.when_made(Stage.CATALOG, lambda screen: screen.set_categories(self.categories))

    def show_stage(self, stage: Stage, visit: Visit) -> None:
        self.window.show_stage(stage, visit)
        self.shown_uri = ""          # a screen just entered shows the code afresh
        self.window.idle_warning.hide()
        catalog = self.window.made(Stage.CATALOG)
        if stage == Stage.HOME and catalog is not None:
            catalog.category = ""
        self.stage_shown.emit(stage)

    def _pairs(self, entries: list[CatalogEntry]) -> list:
        """(item, why it cannot be done now, in words) for the tiles."""
        locale = self.ctx.locale
        return [(e.item, self.ctx.tr(e.unavailable, problem=e.problem(locale) if e.problem else "")
                 if e.unavailable else "") for e in entries]

    def show_catalog(self, popular: list[CatalogEntry], categories: tuple[Category, ...]) -> None:
        self.categories = categories
        self.window.home.show_catalog(self._pairs(popular), categories)
        catalog = self.window.made(Stage.CATALOG)
        if catalog is not None:
            catalog.set_categories(categories)

    def show_items(self, entries: list[CatalogEntry]) -> None:
        self.window.catalog.show_items(self._pairs(entries))

    def catalog_query(self) -> tuple[str, str]:
        catalog = self.window.made(Stage.CATALOG)
        return (catalog.search.text(), catalog.category) if catalog is not None else ("", "")

    def services_ready(self) -> None:
        self.services_up.emit()

    def show_printer_status(self, status) -> None:
        self.printer_status_read.emit(status)

    def show_print_outcome(self, outcome) -> None:
        self.print_finished.emit(outcome)

    def show_login_code(self, code: ShownCode | None) -> None:
        login = self.window.login
        if code is None:
            self.shown_uri = ""
            self.window.home.show_login_code("", "")
            login.clear_code()
        elif code.uri != self.shown_uri:
            self.shown_uri = code.uri
            self.window.home.show_login_code(code.uri, code.user_code)
            login.show_code(code.uri, code.user_code, code.seconds_left)
        else:
            login.set_seconds_left(code.seconds_left)

    def show_login_status(self, key: str) -> None:
        self.window.login.show_status(key)
        if key.startswith("login.card_"):      # the card's progress is read out: nothing personal is in it
            self.speak(key)

    def show_form_problems(self, problems: list) -> None:
        self.window.item.show_problems(problems)

    def show_submit_waiting(self, seconds: int) -> None:
        self.window.submitting.show_waiting(seconds)

    def show_submit_sent(self) -> None:
        self.window.submitting.show_sent()

    def show_print_failure(self, failure: PrintFailure) -> None:
        self.window.printing.show_failure(failure.problem, failure.application_number, failure.verification_url,
                                          failure.advice or "")

    def show_done_seconds(self, seconds: int) -> None:
        self.window.done.set_seconds_left(seconds)

    def show_out_of_service(self, mode: ServiceMode, message: str) -> None:
        self.window.out_of_service.set_reason(OUT_OF_SERVICE_KEYS[mode], message)

    def show_help_outcome(self, sent: bool) -> None:
        text = self.ctx.tr("help.sent") if sent else self.ctx.tr("help.failed", contact=self.config.terminal.contact)
        self.window.show_notice(text)

    def show_resumed_slips(self, count: int) -> None:
        self.window.show_notice(self.ctx.tr("print.resumed", count=count), seconds=60)

    def arm_idle(self, armed: bool) -> None:
        self.idle.arm(armed)

    def speak_stage(self, stage: Stage) -> None:
        self.speak(self.window.screen_for(stage).voice_key)

    def speak(self, key: str) -> None:
        if key:
            self.voice.say(self.ctx.tr(key), self.ctx.locale)

    # Presentation: language and elderly mode

    def reset_presentation(self) -> None:
        """Back to the terminal's default language and mode after a visit."""
        self.set_presentation(self.config.ui.locale or DEFAULT_LOCALE, self.config.ui.elderly_mode)

    def set_presentation(self, locale: str, elderly: bool) -> None:
        """Language and mode for this visit; the caller redraws the catalogue afterwards."""
        restyle = self.ctx.elderly != elderly
        retranslate = self.ctx.locale != locale
        self.ctx.locale, self.ctx.elderly = locale, elderly
        if restyle:
            self.window.apply_theme()
        elif retranslate:
            self.window.retranslate()
