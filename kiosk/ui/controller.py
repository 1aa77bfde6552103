"""Qt wiring for the visit flow: window signals to kiosk.core.visit_flow calls, timers to its clock.

The rules of a visit live in the flow; this module owns only timers, threads and Qt signals."""
from __future__ import annotations

import functools
import time
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from kiosk.core.session import EndReason, Stage, Visit
from kiosk.core.visit_flow import SUBMIT_GRACE_SECONDS, ServiceMode, VisitFlow
from kiosk.terminal import Terminal
from kiosk.ui.idle import IdleWatcher
from kiosk.ui.screens.base import UiContext
from kiosk.ui.visit_view import WindowView
from kiosk.core.speech import Volume
from kiosk.ui.voice import TapStopsVoice, Voice, find_engine
from kiosk.ui.window import KioskWindow
from kiosk.ui.workers import run_async

TICK_MS = 200
PRINTER_CHECK_MS = 30_000
CENTRAL_RETRY_MS = 15_000     # while central is unreachable, try again this often (in the background)


class KioskController(QObject):
    """Connects one KioskWindow to one VisitFlow; `start()` brings the terminal's services up."""

    def __init__(self, terminal: Terminal, window: KioskWindow, ctx: UiContext, app=None, *,
                 submit_grace: float | None = None, clock=time.monotonic):
        super().__init__()
        self.terminal = terminal
        self.window = window
        self.ctx = ctx
        self.config = terminal.config
        self.idle = IdleWatcher(self.config.ui.idle_timeout, self.config.ui.idle_warning)
        self._app = app
        if app is not None:
            app.installEventFilter(self.idle)
        ui = self.config.ui
        voice = Voice(enabled=lambda: ui.voice_in_elderly_mode if ctx.elderly else ui.voice,
                      engine_lookup=lambda: find_engine(self.config.data_dir / "speech", Volume(ui.voice_volume),
                                                        elderly=lambda: ctx.elderly))
        self.voice_stopper = TapStopsVoice(voice)
        if app is not None:
            app.installEventFilter(self.voice_stopper)
        self.view = WindowView(window, ctx, self.config, self.idle, voice)
        # What Qt-side listeners (operations, the staff screen, tests) connect to.
        self.stage_changed = self.view.stage_shown
        self.ready = self.view.services_up
        self.printer_status_read = self.view.printer_status_read
        self.print_finished = self.view.print_finished
        self.flow = VisitFlow(terminal, self.view, run_async, clock,
                              submit_grace=SUBMIT_GRACE_SECONDS if submit_grace is None else submit_grace)
        self._connect_idle()
        self._connect_screens()
        self.tick_timer = self._timer(TICK_MS, self.flow.tick)
        self.printer_timer = QTimer(self)
        self.printer_timer.timeout.connect(self.flow.check_printer)
        self.ready.connect(lambda: self.printer_timer.start(PRINTER_CHECK_MS))
        self.recovery_timer = self._timer(CENTRAL_RETRY_MS, self.flow.retry_central)
        self.window.closing.connect(self.stop)
        self.flow.show_home()

    def _timer(self, ms: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.timeout.connect(slot)
        timer.start(ms)
        return timer

    # The flow's state, for the staff screen, operations and tests

    session = property(lambda self: self.flow.session)
    visit: Visit = property(lambda self: self.flow.visit)           # type: ignore[assignment]
    services_up = property(lambda self: self.terminal.started)
    printer_ready = property(lambda self: self.flow.printer_ready)
    authorization = property(lambda self: self.flow.login.authorization)

    def stop(self) -> None:
        """The kiosk is shutting down: stop every timer and all polling; late answers are ignored."""
        self.flow.stop()
        for timer in (self.tick_timer, self.printer_timer, self.recovery_timer, self.idle.timer):
            timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        self.window.header.timer.stop()

    # Wiring

    def _connect_idle(self) -> None:
        warning = self.window.idle_warning
        self.idle.warn.connect(warning.show_seconds)
        self.idle.tick.connect(warning.show_seconds)
        self.idle.expired.connect(lambda: self.end_visit(EndReason.IDLE))
        warning.continue_requested.connect(self._idle_continue)
        warning.end_requested.connect(lambda: self.end_visit(EndReason.CITIZEN))

    def _connect_screens(self) -> None:
        w, flow = self.window, self.flow
        citizen_leaves = lambda: self.end_visit(EndReason.CITIZEN)   # noqa: E731
        w.header.language_toggled.connect(self.toggle_language)
        w.header.elderly_toggled.connect(self.toggle_elderly)
        w.header.help_requested.connect(flow.call_for_help)
        w.header.home_requested.connect(citizen_leaves)
        w.header.voice_requested.connect(lambda: self.view.speak(self.window.current.voice_key))
        w.scanner.code_scanned.connect(flow.scanner_code)
        # Each screen's signals, connected when the window makes it (home at once, the others on first use).
        connections: dict[Stage, list[tuple[str, Callable[..., Any]]]] = {
            Stage.HOME: [("login_requested", flow.begin_login), ("item_chosen", flow.choose_item),
                         ("browse_requested", self.browse)],
            Stage.LOGIN: [("cancelled", citizen_leaves)],
            Stage.CATALOG: [("item_chosen", flow.choose_item), ("query_changed", flow.filter_catalog),
                            ("logout_requested", citizen_leaves)],
            Stage.ITEM: [("next_requested", flow.review), ("back_requested", flow.back_to_list)],
            Stage.CONFIRM: [("edit_requested", flow.edit), ("submit_requested", flow.submit)],
            Stage.SUBMITTING: [("cancel_requested", flow.cancel_submit)],
            Stage.PRINTING: [("continue_requested", flow.print_acknowledged)],
            Stage.RATING: [("rated", flow.rate), ("skipped", flow.skip_rating)],
            Stage.DONE: [("finish_requested", lambda: self.end_visit(EndReason.FINISHED))],
        }
        for stage, pairs in connections.items():
            w.when_made(stage, functools.partial(_connect_signals, pairs=pairs))

    # Actions the rest of the kiosk asks for

    def start(self) -> None:
        """Bring the terminal's services up in the background; home is already on screen."""
        self.flow.start()

    def begin_login(self) -> None:
        self.flow.begin_login()

    def browse(self, category: str) -> None:
        self.flow.browse()
        self.window.catalog.choose_category(category)

    def end_visit(self, reason: EndReason) -> None:
        self.flow.end_visit(reason)

    def refresh_catalog_views(self) -> None:
        self.flow.refresh_catalog()

    def apply_service_mode(self, out_of_service: bool, message: str, notice: str) -> None:
        """Staff or central switched the terminal out of (or back into) service, or set a home notice."""
        self.flow.set_staff_pause(out_of_service, message)
        if notice:
            self.window.show_notice(notice, seconds=0)
        else:
            self.window.clear_notice()

    @property
    def service_mode(self) -> ServiceMode:
        return self.flow.mode

    def toggle_language(self) -> None:
        self.view.set_presentation("en" if self.ctx.locale == "zh_CN" else "zh_CN", self.ctx.elderly)
        self.flow.refresh_catalog()

    def toggle_elderly(self) -> None:
        self.view.set_presentation(self.ctx.locale, not self.ctx.elderly)
        self.flow.refresh_catalog()

    def _idle_continue(self) -> None:
        self.window.idle_warning.hide()
        self.idle.touch()


def _connect_signals(screen: Any, pairs: list[tuple[str, Callable[..., Any]]]) -> None:
    """Connect each named signal of `screen` to its slot."""
    for signal, slot in pairs:
        getattr(screen, signal).connect(slot)
