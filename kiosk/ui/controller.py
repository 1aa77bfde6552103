"""Connects the screens to the session state machine and the terminal's services.

Every blocking call goes through run_async; answers that arrive after their visit ended are dropped."""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from kiosk.central.errors import CentralRefused, CentralUnavailable, LoginExpired
from kiosk.core.catalog import unavailable_reason
from kiosk.core.forms import check_form
from kiosk.core.item_search import search_items
from kiosk.core.session import Session, Stage, Visit
from kiosk.i18n import DEFAULT_LOCALE, tr
from kiosk.ops.logs import describe_error
from kiosk.terminal import Terminal
from kiosk.ui.idle import IdleWatcher
from kiosk.ui.login_driver import LoginDriver
from kiosk.ui.screens.base import UiContext
from kiosk.ui.voice import Voice
from kiosk.ui.window import KioskWindow
from kiosk.ui.workers import run_async

log = logging.getLogger(__name__)

DONE_SECONDS = 15
PRINTER_CHECK_MS = 30_000
CENTRAL_RETRY_MS = 15_000     # while central is unreachable, try again this often (in the background)
SUBMIT_GRACE_MS = 3_000       # a submission waits this long on screen, cancellable, before it is sent


class KioskController(QObject):
    """Drives one terminal's UI: the citizen's path, idle handling, help, language and mode switches."""

    stage_changed = Signal(object)        # Stage
    ready = Signal()                      # services are up and the catalogue is shown
    startup_failed = Signal(str)
    print_finished = Signal(object)       # PrintOutcome
    printer_status_read = Signal(object)  # PrinterStatus

    def __init__(self, terminal: Terminal, window: KioskWindow, ctx: UiContext, app=None):
        super().__init__()
        self.terminal = terminal
        self.window = window
        self.ctx = ctx
        self.config = terminal.config
        self.session = Session()
        self.voice = Voice(enabled=self.config.ui.voice)
        self.pending_item_id = ""
        self.visit_generation = 0
        self.services_up = False
        self.printer_ready = False
        self.printer_problem = ""
        self.last_print = None
        self.session.subscribe(self._on_stage)
        self.idle = IdleWatcher(self.config.ui.idle_timeout, self.config.ui.idle_warning)
        if app is not None:
            app.installEventFilter(self.idle)
        self.idle.warn.connect(self.window.idle_warning.show_seconds)
        self.idle.tick.connect(self.window.idle_warning.show_seconds)
        self.idle.expired.connect(lambda: self.end_visit("idle"))
        self.window.idle_warning.continue_requested.connect(self._idle_continue)
        self.window.idle_warning.end_requested.connect(lambda: self.end_visit("citizen"))
        self.login_driver = LoginDriver(lambda: self.terminal.client if self.services_up else None, self)
        self.login_driver.code_shown.connect(self._show_code)
        self.login_driver.status.connect(lambda key: self.window.login.show_status(key))
        self.login_driver.countdown.connect(lambda left: self.window.login.show_status(self.window.login._status_key, left))
        self.login_driver.scanned.connect(self._code_scanned)
        self.login_driver.token_ready.connect(self._token_ready)
        self.window.scanner.code_scanned.connect(self._scanner_code)
        self.done_timer = QTimer(self)
        self.done_timer.timeout.connect(self._done_tick)
        self.done_seconds = 0
        self.printer_timer = QTimer(self)
        self.printer_timer.timeout.connect(self.check_printer)
        self.recovery_timer = QTimer(self)
        self.recovery_timer.timeout.connect(self._retry_central)
        self.recovery_timer.start(CENTRAL_RETRY_MS)
        self._retrying = False
        self.submit_grace_ms = SUBMIT_GRACE_MS
        self.send_timer = QTimer(self)
        self.send_timer.timeout.connect(self._send_tick)
        self._send_at = 0.0
        self.window.closing.connect(self.stop)
        self._connect_screens()
        self.window.show_stage(Stage.HOME, self.session.visit)
        self.terminal.open_storage()
        self.refresh_catalog_views()

    @property
    def visit(self) -> Visit:
        return self.session.visit

    def stop(self) -> None:
        """The kiosk is shutting down: stop every timer and all polling; late answers are ignored."""
        self.services_up = False
        self.visit_generation += 1
        self.login_driver.set_active(False)
        self.login_driver.reset()
        for timer in (self.done_timer, self.printer_timer, self.recovery_timer, self.send_timer, self.idle.timer):
            timer.stop()
        QCoreApplication.instance().removeEventFilter(self.idle)
        self.window.header.timer.stop()

    # Wiring

    def _connect_screens(self) -> None:
        w = self.window
        w.header.language_toggled.connect(self.toggle_language)
        w.header.elderly_toggled.connect(self.toggle_elderly)
        w.header.help_requested.connect(self.call_for_help)
        w.header.home_requested.connect(lambda: self.end_visit("citizen"))
        w.header.voice_requested.connect(self.speak_current)
        w.home.login_requested.connect(self.begin_login)
        w.home.item_chosen.connect(self.choose_item)
        w.home.browse_requested.connect(self.browse)
        w.login.cancelled.connect(lambda: self.end_visit("citizen"))
        w.catalog.item_chosen.connect(self.choose_item)
        w.catalog.query_changed.connect(self._filter_catalog)
        w.catalog.logout_requested.connect(lambda: self.end_visit("citizen"))
        w.item.next_requested.connect(self.review)
        w.item.back_requested.connect(lambda: self.session.fire("browse"))
        w.confirm.edit_requested.connect(lambda: self.session.fire("edit"))
        w.confirm.submit_requested.connect(self.submit)
        w.submitting.cancel_requested.connect(self.cancel_submit)
        w.printing.continue_requested.connect(self._print_acknowledged)
        w.rating.rated.connect(self.rate)
        w.rating.skipped.connect(lambda: self.session.fire("rating_skipped"))
        w.done.finish_requested.connect(lambda: self.end_visit("finished"))

    # Start-up

    def start(self) -> None:
        """Bring the terminal's services up in the background; home is already on screen."""
        run_async(self.terminal.start, self._services_started, self._services_failed)

    def _services_started(self, _result) -> None:
        self.services_up = True
        self._retrying = False
        if self.session.out_of_service_reason == "start-up failed":
            self.session.out_of_service_reason = "central unreachable"
        self.login_driver.set_active(self.session.stage in (Stage.HOME, Stage.LOGIN))
        self.check_printer()
        self.printer_timer.start(PRINTER_CHECK_MS)
        self._update_service_state()
        self.ready.emit()

    def _services_failed(self, exc: Exception) -> None:
        log.error("terminal services failed to start: %s", describe_error(exc))
        self._retrying = False
        self.session.set_out_of_service("start-up failed")
        self.window.out_of_service.set_reason("oos.central")
        self.startup_failed.emit(describe_error(exc))

    def _retry_central(self) -> None:
        """While central cannot be reached, try again in the background; the screens follow by themselves."""
        if self._retrying:
            return
        if not self.services_up:
            if self.session.out_of_service_reason == "start-up failed":
                self._retrying = True
                run_async(self.terminal.start, self._services_started, self._services_failed)
            return
        if self.terminal.central_reachable and self.session.stage != Stage.OUT_OF_SERVICE:
            return
        if self.session.active:
            return

        def done(_result=None) -> None:
            self._retrying = False
            self._update_service_state()

        self._retrying = True
        run_async(self.terminal.refresh_catalog, done, lambda exc: done())

    def check_printer(self) -> None:
        if not self.services_up:
            return
        run_async(self.terminal.printer_status, self._printer_status_read, lambda exc: None)

    def _printer_status_read(self, status) -> None:
        if not self.services_up:
            return
        self.printer_status_read.emit(status)
        self.printer_ready = status.ready
        self.printer_problem = "" if status.ready else status.describe(self.ctx.locale)
        self.refresh_catalog_views()

    def apply_service_mode(self, out_of_service: bool, message: str, notice: str) -> None:
        """Staff or central switched the terminal out of (or back into) service, or set a home notice."""
        if out_of_service:
            self.window.out_of_service.set_reason("oos.staff", message)
            self.session.set_out_of_service("staff")
        elif self.session.out_of_service_reason == "staff":
            self.session.clear_out_of_service()
            self._update_service_state()
        if notice:
            self.window.show_notice(notice, seconds=0)
        else:
            self.window.clear_notice()

    def _update_service_state(self) -> None:
        """Out of service when there is no catalogue to offer; back when there is."""
        has_catalog = bool(self.terminal.catalog and self.terminal.catalog.items())
        staff_paused = self.session.out_of_service_reason == "staff"   # only staff or central lift that
        if staff_paused:
            self.refresh_catalog_views()
            return
        if not has_catalog and self.session.stage == Stage.HOME:
            self.window.out_of_service.set_reason("oos.central")
            self.session.set_out_of_service("central unreachable")
        elif has_catalog and self.session.stage == Stage.OUT_OF_SERVICE and \
                self.session.out_of_service_reason == "central unreachable":
            self.session.clear_out_of_service()
        self.refresh_catalog_views()

    # Catalogue views

    def _entries(self, items) -> list:
        out = []
        for item in items:
            key = unavailable_reason(item, printer_ready=self.printer_ready,
                                     central_reachable=self.terminal.central_reachable)
            out.append((item, self.ctx.tr(key, problem=self.printer_problem) if key else ""))
        return out

    def refresh_catalog_views(self) -> None:
        store = self.terminal.catalog
        if store is None or store.catalog is None or self.terminal.db is None:
            return
        self.window.home.show_catalog(self._entries(store.most_used(6)), store.catalog.categories)
        self.window.catalog.set_categories(store.catalog.categories)
        self._filter_catalog(self.window.catalog.search.text(), self.window.catalog.category)

    def _filter_catalog(self, text: str, category: str) -> None:
        store = self.terminal.catalog
        if store is None:
            return
        items = [it for it in search_items(store.most_used(limit=0), text) if not category or it.category == category]
        self.window.catalog.show_items(self._entries(items))

    # The citizen's path

    def _on_stage(self, old: Stage, new: Stage, event: str) -> None:
        self.window.show_stage(new, self.visit)
        self.idle.arm(new not in (Stage.HOME, Stage.OUT_OF_SERVICE, Stage.SUBMITTING, Stage.PRINTING))
        self.window.idle_warning.hide()
        self.login_driver.set_active(self.services_up and new in (Stage.HOME, Stage.LOGIN) and self.visit.token is None)
        auth = self.authorization
        if new == Stage.LOGIN and auth is not None:
            self.window.login.show_code(auth.verification_uri_complete, auth.user_code,
                                        self.login_driver.seconds_left())
        if new == Stage.DONE:
            self.done_seconds = DONE_SECONDS
            self.window.done.set_seconds_left(DONE_SECONDS)
            self.done_timer.start(1000)
        else:
            self.done_timer.stop()
        if new == Stage.HOME:
            self.window.catalog.category = ""
            self.refresh_catalog_views()
        self.speak(self.window.screens[new].voice_key)
        self.stage_changed.emit(new)

    def begin_login(self) -> None:
        """扫码登录 tapped (or an item that needs a login): show the login screen with the live code."""
        if not self.services_up:
            return
        if self.session.can("start_login"):
            self.session.fire("start_login")
        self.login_driver.set_active(True)

    @property
    def authorization(self):
        """The login code on screen now (None while none is)."""
        return self.login_driver.authorization

    def _show_code(self, uri: str, user_code: str, seconds: int) -> None:
        self.window.home.show_login_code(uri, user_code)
        if uri:
            self.window.login.show_code(uri, user_code, seconds)
        else:
            self.window.login.clear_code()

    def _code_scanned(self) -> None:
        """The citizen scanned the code on home: move to the login screen, which says to confirm on the phone."""
        if self.session.stage == Stage.HOME:
            self.session.fire("start_login")
            self.window.login.show_status("login.scanned")

    def _scanner_code(self, code: str) -> None:
        if not self.services_up or self.visit.token is not None or \
                self.session.stage not in (Stage.HOME, Stage.LOGIN, Stage.CATALOG):
            return
        if self.session.can("start_login"):
            self.session.fire("start_login")
        self.login_driver.login_with_code(code)

    def _token_ready(self, token) -> None:
        if self.session.stage == Stage.HOME:
            self.session.fire("start_login")
        if self.session.stage != Stage.LOGIN:
            run_async(lambda: self.terminal.revoke(token), lambda _: None)
            return
        generation = self.visit_generation
        run_async(lambda: self.terminal.fetch_profile(token),
                  lambda profile: self._logged_in(generation, token, profile),
                  lambda exc: self._profile_failed(generation, token, exc))

    def _profile_failed(self, generation: int, token, exc: Exception) -> None:
        log.warning("profile could not be read: %s", type(exc).__name__)
        run_async(lambda: self.terminal.revoke(token), lambda _: None)
        if generation == self.visit_generation and self.session.stage == Stage.LOGIN:
            self.window.login.show_status("login.unavailable")
            self.login_driver.set_active(True)

    def _logged_in(self, generation: int, token, profile) -> None:
        if generation != self.visit_generation or self.session.stage != Stage.LOGIN:
            run_async(lambda: self.terminal.revoke(token), lambda _: None)
            return
        self.session.set_login(token, profile)
        if self.pending_item_id:
            item_id, self.pending_item_id = self.pending_item_id, ""
            self.choose_item(item_id)

    def browse(self, category: str) -> None:
        if self.session.can("browse"):
            self.session.fire("browse")
        self.window.catalog.choose_category(category)

    def choose_item(self, item_id: str) -> None:
        store = self.terminal.catalog
        item = store.catalog.item(item_id) if store and store.catalog else None
        if item is None:
            return
        if unavailable_reason(item, printer_ready=self.printer_ready,
                              central_reachable=self.terminal.central_reachable):
            return
        if item.needs_login and self.visit.token is None:
            self.pending_item_id = item_id
            self.begin_login()
            return
        store.record_use(item_id)
        if self.session.stage == Stage.HOME:
            self.session.fire("browse")
        self.session.set_item(item)

    def review(self, values: dict) -> None:
        item = self.visit.item
        if item is None:
            return
        problems = check_form(item.form, values)
        if problems:
            self.window.item.show_problems(problems)
            return
        self.visit.values = dict(values)
        self.visit.error = ""
        self.session.fire("review")

    def submit(self) -> None:
        """确认提交: show the submitting screen; the request leaves after a short, cancellable wait."""
        if not self.session.can("confirm"):
            return
        self.session.fire("confirm")
        self._send_at = time.monotonic() + self.submit_grace_ms / 1000
        self.window.submitting.show_waiting(max(1, round(self.submit_grace_ms / 1000)))
        self.send_timer.start(min(200, self.submit_grace_ms) or 1)

    def cancel_submit(self) -> None:
        """Cancel while nothing has been sent: back to the confirm screen, nothing stored, nothing sent."""
        if self.send_timer.isActive() and self.session.can("submit_cancelled"):
            self.send_timer.stop()
            self.session.fire("submit_cancelled")

    def _send_tick(self) -> None:
        if self.session.stage != Stage.SUBMITTING:
            self.send_timer.stop()
            return
        left = self._send_at - time.monotonic()
        if left > 0:
            self.window.submitting.show_waiting(int(left) + 1)
            return
        self.send_timer.stop()
        self.window.submitting.show_sent()
        generation = self.visit_generation
        visit = self.visit
        run_async(lambda: self.terminal.submit(visit), lambda result: self._submitted(generation, result),
                  lambda exc: self._submit_failed(generation, exc))

    def _submitted(self, generation: int, result) -> None:
        if generation != self.visit_generation or self.session.stage != Stage.SUBMITTING:
            return
        self.visit.result = result
        self.session.fire("submitted")
        if result.document is None:
            self._printed(generation, None)
            return
        run_async(lambda: self.terminal.print_result(result), lambda outcome: self._printed(generation, outcome),
                  lambda exc: self._print_failed(generation, exc))

    def _submit_failed(self, generation: int, exc: Exception) -> None:
        if generation != self.visit_generation or self.session.stage != Stage.SUBMITTING:
            return
        if isinstance(exc, CentralRefused):
            self.visit.error = self.ctx.tr("submit.failed", reason=str(exc))
        elif isinstance(exc, LoginExpired):
            self.visit.error = self.ctx.tr("submit.login_expired")
        elif isinstance(exc, CentralUnavailable):
            self.visit.error = self.ctx.tr("submit.unavailable")
        else:
            log.error("submission failed: %s", type(exc).__name__)
            self.visit.error = self.ctx.tr("submit.unavailable")
        self.session.fire("submit_failed")

    def _printed(self, generation: int, outcome) -> None:
        self.last_print = outcome
        if outcome is not None:
            self.print_finished.emit(outcome)
            self.printer_ready = outcome.status.ready
        if generation != self.visit_generation or self.session.stage != Stage.PRINTING:
            return
        if outcome is None or outcome.ok:
            self.visit.print_ok = outcome is not None
            self.session.fire("printed")
            return
        self.visit.print_ok = False
        status = outcome.status
        self._show_print_failure(status.describe, status.advice)

    def _print_failed(self, generation: int, exc: Exception) -> None:
        log.error("printing failed: %s", type(exc).__name__)
        if generation == self.visit_generation and self.session.stage == Stage.PRINTING:
            self.visit.print_ok = False
            self._show_print_failure(lambda locale: tr("print.unknown_problem", locale))

    def _show_print_failure(self, problem, advice=None) -> None:
        """`problem` and `advice` are functions of the locale, so the screen follows a language switch."""
        result = self.visit.result
        url = result.document.verification_url if result and result.document else ""
        self.visit.print_problem = problem(self.ctx.locale)
        self.window.printing.show_failure(problem, result.application_number if result else "", url, advice or "")
        self.check_printer()

    def _print_acknowledged(self) -> None:
        if self.session.can("printed"):
            self.session.fire("printed")

    def rate(self, level: str) -> None:
        if not self.session.can("rated"):
            return
        snapshot = Visit(token=self.visit.token, result=self.visit.result)
        self.visit.rating = level
        self.session.fire("rated")
        run_async(lambda: self.terminal.rate(snapshot, level), lambda _: None,
                  lambda exc: log.warning("rating not sent now: %s", type(exc).__name__))

    def end_visit(self, reason: str) -> None:
        """Leave the visit from wherever it is: revoke the token, wipe, reset language and mode."""
        token = self.visit.token
        self.visit_generation += 1
        self.login_driver.reset()
        self.pending_item_id = ""
        if self.session.stage == Stage.DONE:
            self.session.fire("finish")
        else:
            self.session.end_visit(reason)
        if token is not None:
            run_async(lambda: self.terminal.revoke(token), lambda _: None)
        self._reset_presentation()

    def _reset_presentation(self) -> None:
        locale = self.config.ui.locale or DEFAULT_LOCALE
        restyle = self.ctx.elderly != self.config.ui.elderly_mode
        retranslate = self.ctx.locale != locale
        self.ctx.locale = locale
        self.ctx.elderly = self.config.ui.elderly_mode
        if restyle:
            self.window.apply_theme()
        elif retranslate:
            self.window.retranslate()
        if restyle or retranslate:
            self.refresh_catalog_views()

    def _done_tick(self) -> None:
        self.done_seconds -= 1
        if self.done_seconds <= 0:
            self.end_visit("finished")
        else:
            self.window.done.set_seconds_left(self.done_seconds)

    def _idle_continue(self) -> None:
        self.window.idle_warning.hide()
        self.idle.touch()

    # Header actions

    def toggle_language(self) -> None:
        self.ctx.locale = "en" if self.ctx.locale == "zh_CN" else "zh_CN"
        self.window.retranslate()
        self.refresh_catalog_views()

    def toggle_elderly(self) -> None:
        self.ctx.elderly = not self.ctx.elderly
        self.window.apply_theme()

    def call_for_help(self) -> None:
        if not self.services_up:
            self.window.show_notice(self.ctx.tr("help.failed", contact=self.config.terminal.contact))
            return
        run_async(self.terminal.help_request, lambda _id: self.window.show_notice(self.ctx.tr("help.sent")),
                  lambda exc: self.window.show_notice(
                      self.ctx.tr("help.failed", contact=self.config.terminal.contact)))

    def speak(self, key: str) -> None:
        if key:
            self.voice.say(self.ctx.tr(key), self.ctx.locale)

    def speak_current(self) -> None:
        self.speak(self.window.current.voice_key)

