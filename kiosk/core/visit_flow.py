"""The citizen's path through the terminal, top to bottom: home, login, item, form, submit, print, rating, done.

Qt-free: the flow calls a `VisitView` it is handed and the terminal's services through an injected runner;
its timers (submit grace, done countdown, login polling) run on an injected clock via `tick()`."""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from kiosk.central.errors import CentralRefused, LoginExpired
from kiosk.central.models import CatalogItem, Category, CitizenProfile, SubmissionResult, Token
from kiosk.core.card_login import CardLogin
from kiosk.core.catalog import unavailable_reason
from kiosk.core.forms import check_form
from kiosk.core.home_snapshot import HomeCatalog
from kiosk.core.login_code import LoginCode, Runner, ShownCode
from kiosk.core.session import EndReason, Event, Session, Stage, Visit
from kiosk.i18n import tr

log = logging.getLogger(__name__)

SUBMIT_GRACE_SECONDS = 3.0    # a submission waits this long on screen, cancellable, before it is sent
DONE_SECONDS = 15             # the done screen returns home by itself after this long
POPULAR_TILES = 6             # 常办事项 on home

# Stages during which the citizen is left alone by the idle timer (nothing for them to do).
NOT_IDLE_STAGES = frozenset({Stage.HOME, Stage.OUT_OF_SERVICE, Stage.SUBMITTING, Stage.PRINTING})


# Service mode: one rule for whether the terminal can serve a citizen now, and why not.

class ServiceMode(enum.Enum):
    """Whether the terminal serves citizens, and if not, why."""
    IN_SERVICE = "in_service"
    STARTUP_FAILED = "startup_failed"            # services could not start (retried in the background)
    CENTRAL_UNREACHABLE = "central_unreachable"  # no catalogue to offer: nothing was ever fetched or cached
    STAFF_PAUSED = "staff_paused"                # hall staff or central took it out of service

    @property
    def in_service(self) -> bool:
        return self is ServiceMode.IN_SERVICE


def service_mode(*, staff_paused: bool, start_failed: bool, started: bool, has_catalog: bool) -> ServiceMode:
    """The terminal's mode from the facts: staff first, then start-up, then whether there is anything to offer.

    Before the services finished starting the terminal stays in service on its cached catalogue."""
    if staff_paused:
        return ServiceMode.STAFF_PAUSED
    if start_failed:
        return ServiceMode.STARTUP_FAILED
    if started and not has_catalog:
        return ServiceMode.CENTRAL_UNREACHABLE
    return ServiceMode.IN_SERVICE


# What the flow shows and what it uses.

@dataclass(frozen=True)
class CatalogEntry:
    """An item as a tile shows it: `unavailable` is the i18n key of why it cannot be done now ("" if it can),
    `problem` the printer's trouble in words (locale → text) that the key's message names."""
    item: CatalogItem
    unavailable: str = ""
    problem: Callable[[str], str] | None = None


@dataclass(frozen=True)
class PrintFailure:
    """Why the slip did not come out, with what the citizen needs to get it another way."""
    problem: Callable[[str], str]          # locale → text (follows a language switch)
    advice: Callable[[str], str] | None
    application_number: str
    verification_url: str


class VisitView(Protocol):
    """What the flow asks of the screen; the Qt window implements it, tests use a recording fake."""

    def show_stage(self, stage: Stage, visit: Visit) -> None: ...
    def services_ready(self) -> None: ...
    def show_printer_status(self, status: Any) -> None: ...
    def show_print_outcome(self, outcome: Any) -> None: ...
    def show_catalog(self, popular: list[CatalogEntry], categories: tuple[Category, ...]) -> None: ...
    def show_items(self, entries: list[CatalogEntry]) -> None: ...
    def catalog_query(self) -> tuple[str, str]: ...
    def show_login_code(self, code: ShownCode | None) -> None: ...
    def show_login_status(self, key: str) -> None: ...
    def show_form_problems(self, problems: list[Any]) -> None: ...
    def show_submit_waiting(self, seconds: int) -> None: ...
    def show_submit_sent(self) -> None: ...
    def show_print_failure(self, failure: PrintFailure) -> None: ...
    def show_done_seconds(self, seconds: int) -> None: ...
    def show_out_of_service(self, mode: ServiceMode, message: str) -> None: ...
    def show_help_outcome(self, sent: bool) -> None: ...
    def show_resumed_slips(self, count: int) -> None: ...
    def arm_idle(self, armed: bool) -> None: ...
    def reset_presentation(self) -> None: ...
    def speak_stage(self, stage: Stage) -> None: ...


class VisitServices(Protocol):
    """What the flow asks of the terminal (kiosk.terminal.Terminal); every call but the catalogue may block."""

    central_reachable: bool
    resumed_slips: int       # slips printed at start-up that a restart had left unprinted

    @property
    def started(self) -> bool: ...
    def start(self) -> None: ...
    def refresh_catalog(self) -> None: ...
    def item(self, item_id: str) -> CatalogItem | None: ...
    def items(self) -> list[CatalogItem]: ...
    def most_used(self, limit: int) -> list[CatalogItem]: ...
    def home_catalog(self, limit: int) -> HomeCatalog: ...
    def search(self, query: str, category: str = "") -> list[CatalogItem]: ...
    def has_catalog(self) -> bool: ...
    def record_use(self, item_id: str) -> None: ...
    def device_flow(self) -> Any: ...
    def login_with_code(self, code: str) -> Token: ...
    @property
    def has_card_reader(self) -> bool: ...
    def read_card(self) -> Any: ...
    def start_assisted_login(self, card: Any) -> str: ...
    def poll_assisted_login(self, request_id: str) -> Any: ...
    def cancel_assisted_login(self, request_id: str) -> None: ...
    def fetch_profile(self, token: Token) -> CitizenProfile: ...
    def revoke(self, token: Token | None) -> None: ...
    def submit(self, visit: Visit) -> SubmissionResult: ...
    def print_result(self, result: SubmissionResult) -> Any: ...
    def rate(self, visit: Visit, level: str) -> str: ...
    def help_request(self, stage: Stage, item_name: str = "") -> str: ...
    def visit_ended(self) -> None: ...
    def printer_status(self) -> Any: ...


class VisitFlow:
    """One terminal's visits, one after another. Every answer that arrives after its visit ended is dropped."""

    def __init__(self, services: VisitServices, view: VisitView, runner: Runner, clock: Callable[[], float], *,
                 submit_grace: float = SUBMIT_GRACE_SECONDS, done_seconds: int = DONE_SECONDS):
        self.services = services
        self.view = view
        self.runner = runner
        self.clock = clock
        self.submit_grace = submit_grace
        self.done_seconds = done_seconds
        self.session = Session()
        self.session.subscribe(self._stage_entered)
        self.login = LoginCode(services, runner, clock, self)
        self.card = CardLogin(services, runner, clock, self)     # 帮办登录 with the resident ID card
        self.generation = 0                 # one per visit; answers for an older visit are stale
        self.pending_item_id = ""           # chosen before login: opened once the citizen is logged in
        self.send_at: float | None = None   # the submission leaves then (cancellable until)
        self.done_until: float | None = None
        self.start_failed = False
        self.staff_paused = False
        self.staff_message = ""
        self.printer_status: Any = None     # last known PrinterStatus (None until read)
        self.last_print: Any = None         # the last PrintOutcome, for the staff screen
        self.mode = ServiceMode.IN_SERVICE
        self.retrying = False
        self.list_filled = False            # whether the list shows the catalogue as it stands (see refresh_catalog)

    @property
    def visit(self) -> Visit:
        return self.session.visit

    @property
    def stage(self) -> Stage:
        return self.session.stage

    @property
    def printer_ready(self) -> bool:
        return bool(self.printer_status is not None and self.printer_status.ready)

    # Answers for this visit only

    def _for_this_visit(self, callback: Callable[[Any], None], stage: Stage | None = None) -> Callable[[Any], None]:
        """`callback`, run only while the visit that asked is still on (and, with `stage`, still there)."""
        generation = self.generation

        def guarded(value: Any) -> None:
            if generation == self.generation and (stage is None or self.stage == stage):
                callback(value)
        return guarded

    def _in_background(self, work: Callable[[], Any], what: str) -> None:
        """Run `work` and forget it; a failure is logged (no personal data), never shown."""
        self.runner(work, lambda _result: None, lambda exc: log.warning("%s failed: %s", what, type(exc).__name__))

    # Start-up and the service mode

    def show_home(self) -> None:
        """First paint: home from the cached catalogue, before the services start."""
        self.view.show_stage(self.stage, self.visit)
        self.refresh_catalog()

    def start(self) -> None:
        """Bring the terminal's services up in the background; home is already on screen."""
        self.retrying = True
        self.runner(self.services.start, self._started, self._start_failed)

    def _started(self, _result: Any) -> None:
        self.retrying = False
        self.start_failed = False
        self._update_login()
        self.check_printer()
        self.update_service_mode()
        if self.services.resumed_slips:
            self.view.show_resumed_slips(self.services.resumed_slips)
        self.view.services_ready()

    def _start_failed(self, exc: Exception) -> None:
        log.error("terminal services failed to start: %s: %s", type(exc).__name__, exc)
        self.retrying = False
        self.start_failed = True
        self.update_service_mode()

    def retry_central(self) -> None:
        """Called every few seconds: restart failed services, or refetch the catalogue while there is none."""
        if self.retrying or self.session.active:
            return
        if not self.services.started:
            if self.start_failed:
                self.start()
            return
        if self.services.central_reachable and self.mode.in_service:
            return
        self.retrying = True

        def done(_value: Any = None) -> None:
            self.retrying = False
            self.update_service_mode()
        self.runner(self.services.refresh_catalog, done, done)

    def set_staff_pause(self, paused: bool, message: str = "") -> None:
        """Staff or central took the terminal out of service (with a message for citizens), or back in."""
        self.staff_paused = paused
        self.staff_message = message if paused else ""
        self.update_service_mode()

    def update_service_mode(self) -> None:
        """Apply the one service rule: out of service between visits when it says so, back when it no longer does."""
        self.mode = service_mode(staff_paused=self.staff_paused, start_failed=self.start_failed,
                                 started=self.services.started, has_catalog=self.services.has_catalog())
        if not self.mode.in_service:
            self.view.show_out_of_service(self.mode, self.staff_message)
            self.session.fire_if_possible(Event.GO_OUT_OF_SERVICE)
        else:
            self.session.fire_if_possible(Event.BACK_IN_SERVICE)
        self.refresh_catalog()

    # The printer

    def check_printer(self) -> None:
        if self.services.started:
            self.runner(self.services.printer_status, self._printer_status_read, lambda exc: None)

    def _printer_status_read(self, status: Any) -> None:
        self.printer_status = status
        self.view.show_printer_status(status)
        self.refresh_catalog()

    # The catalogue on home and in the list

    def entries(self, items: Sequence[CatalogItem]) -> list[CatalogEntry]:
        status = self.printer_status
        problem = None if status is None or status.ready else status.describe
        return [CatalogEntry(item, unavailable_reason(item, printer_ready=self.printer_ready,
                                                      central_reachable=self.services.central_reachable) or "",
                             problem)
                for item in items]

    def refresh_catalog(self) -> None:
        """Home's tiles and the list as they stand now (availability follows the printer and central).

        Until the services have started (they read the catalogue, off the GUI thread), home shows the copy kept
        for it and the list is filled when it is opened: the first paint does not wait for a province's items."""
        if not self.services.has_catalog():
            return
        home = self.services.home_catalog(POPULAR_TILES)
        self.view.show_catalog(self.entries(home.items), home.categories)
        if self.services.started or self.stage == Stage.CATALOG:
            self.filter_catalog(*self.view.catalog_query())
        else:
            self.list_filled = False

    def filter_catalog(self, text: str, category: str) -> None:
        self.view.show_items(self.entries(self.services.search(text, category)))
        self.list_filled = True

    # 1. Login by QR (RFC 8628) or by the card scanner

    def begin_login(self) -> None:
        """扫码登录 tapped (or an item that needs a login): the login screen with the live code."""
        if not self.services.started:
            return
        self.session.fire_if_possible(Event.START_LOGIN)
        self.login.set_active(True)

    def cancel_login(self) -> None:
        self.end_visit(EndReason.CITIZEN)

    def scanner_code(self, code: str) -> None:
        if not self.services.started or self.visit.token is not None or \
                self.stage not in (Stage.HOME, Stage.LOGIN, Stage.CATALOG):
            return
        self.session.fire_if_possible(Event.START_LOGIN)
        self.login.login_with_code(code)

    def login_code_shown(self, code: ShownCode | None) -> None:
        self.view.show_login_code(code)

    def login_status(self, key: str) -> None:
        self.view.show_login_status(key)

    def card_placed(self) -> None:
        """A resident ID card on the reader: the login screen tells what happens with it."""
        if self.stage == Stage.HOME:
            self.session.fire(Event.START_LOGIN)

    def login_scanned(self) -> None:
        """The citizen scanned the code on home: move to the login screen, which says to confirm on the phone."""
        if self.stage == Stage.HOME:
            self.session.fire(Event.START_LOGIN)
            self.view.show_login_status("login.scanned")

    def login_token(self, token: Token) -> None:
        self.session.fire_if_possible(Event.START_LOGIN)    # approved straight from home
        if self.stage != Stage.LOGIN:
            self._revoke(token)
            return

        def failed(exc: Exception) -> None:
            log.warning("profile could not be read: %s", type(exc).__name__)
            self.view.show_login_status("login.unavailable")
            self.login.set_active(True)
        self.runner(lambda: self.services.fetch_profile(token),
                    self._revoke_unless_taken(token, lambda profile: self._logged_in(token, profile)),
                    self._revoke_unless_taken(token, failed, revoke_always=True))

    def _revoke_unless_taken(self, token: Token, callback: Callable[[Any], None],
                             revoke_always: bool = False) -> Callable[[Any], None]:
        """`callback` while this visit is still logging in; the token is revoked when it is not (or always)."""
        generation = self.generation

        def guarded(value: Any) -> None:
            current = generation == self.generation and self.stage == Stage.LOGIN
            if revoke_always or not current:
                self._revoke(token)
            if current:
                callback(value)
        return guarded

    def _logged_in(self, token: Token, profile: CitizenProfile) -> None:
        self.session.set_login(token, profile)
        if self.pending_item_id:
            item_id, self.pending_item_id = self.pending_item_id, ""
            self.choose_item(item_id)

    def _revoke(self, token: Token | None) -> None:
        if token is not None:
            self._in_background(lambda: self.services.revoke(token), "token revocation")

    # 2. The item: its guide and form

    def browse(self) -> None:
        self.session.fire_if_possible(Event.BROWSE)

    def choose_item(self, item_id: str) -> None:
        """An item tapped on home or in the list; one that needs a login asks for it first, then opens."""
        item = self.services.item(item_id)
        if item is None or unavailable_reason(item, printer_ready=self.printer_ready,
                                              central_reachable=self.services.central_reachable):
            return
        if item.needs_login and self.visit.token is None:
            self.pending_item_id = item_id
            self.begin_login()
            return
        self.services.record_use(item_id)
        self.session.fire_if_possible(Event.BROWSE)     # from home, through the list
        self.session.set_item(item)

    def review(self, values: dict[str, str]) -> None:
        """下一步 on the form: problems are shown on the form; a clean form goes to the confirm screen."""
        item = self.visit.item
        if item is None:
            return
        problems = check_form(item.form, values)
        if problems:
            self.view.show_form_problems(problems)
            return
        self.visit.values = dict(values)
        self.visit.error = self.visit.error_detail = ""
        self.session.fire(Event.REVIEW)

    def edit(self) -> None:
        self.session.fire_if_possible(Event.EDIT)

    def back_to_list(self) -> None:
        self.session.fire_if_possible(Event.BROWSE)

    # 3. Submit: a short cancellable wait, then the request (stored before it is sent)

    def submit(self) -> None:
        if not self.session.fire_if_possible(Event.CONFIRM):
            return
        self.send_at = self.clock() + self.submit_grace
        self.view.show_submit_waiting(max(1, round(self.submit_grace)))

    def cancel_submit(self) -> None:
        """Cancel while nothing has been sent: back to the confirm screen, nothing stored, nothing sent."""
        if self.send_at is not None and self.session.fire_if_possible(Event.SUBMIT_CANCELLED):
            self.send_at = None

    def _send_now(self) -> None:
        self.send_at = None
        self.view.show_submit_sent()
        visit = self.visit
        self.runner(lambda: self.services.submit(visit), self._for_this_visit(self._submitted, Stage.SUBMITTING),
                    self._for_this_visit(self._submit_failed, Stage.SUBMITTING))

    def _submitted(self, result: SubmissionResult) -> None:
        self.visit.result = result
        self.session.fire(Event.SUBMITTED)
        if result.document is None:
            self._printed(None)
            return
        printed = self._for_this_visit(self._printed, Stage.PRINTING)
        crashed = self._for_this_visit(self._print_crashed, Stage.PRINTING)

        def finished(outcome: Any) -> None:
            self._note_print(outcome)
            printed(outcome)

        def failed(exc: Exception) -> None:
            log.error("printing failed: %s", type(exc).__name__)
            crashed(exc)
        self.runner(lambda: self.services.print_result(result), finished, failed)

    def _submit_failed(self, exc: Exception) -> None:
        if isinstance(exc, CentralRefused):
            self.visit.error, self.visit.error_detail = "submit.failed", str(exc)
        elif isinstance(exc, LoginExpired):
            self.visit.error = "submit.login_expired"
        else:
            log.error("submission failed: %s", type(exc).__name__)
            self.visit.error = "submit.unavailable"
        self.session.fire(Event.SUBMIT_FAILED)

    # 4. Print: the slip, or what happened and where the document is

    def _note_print(self, outcome: Any) -> None:
        """Every print outcome tells what is known of the printer, even one for a visit that has ended."""
        self.last_print = outcome
        if outcome is not None:
            self.printer_status = outcome.status
            self.view.show_print_outcome(outcome)
            self.view.show_printer_status(outcome.status)

    def _printed(self, outcome: Any) -> None:
        if outcome is None or outcome.ok:
            self.visit.print_ok = outcome is not None
            self.session.fire(Event.PRINTED)
            return
        self.visit.print_ok = False
        self._show_print_failure(outcome.status.describe, outcome.status.advice)

    def _print_crashed(self, _exc: Exception) -> None:
        self.visit.print_ok = False
        self._show_print_failure(lambda locale: tr("print.unknown_problem", locale), None)

    def _show_print_failure(self, problem: Callable[[str], str], advice: Callable[[str], str] | None) -> None:
        result = self.visit.result
        document = result.document if result else None
        self.view.show_print_failure(PrintFailure(problem, advice, result.application_number if result else "",
                                                  document.verification_url if document else ""))
        self.check_printer()

    def print_acknowledged(self) -> None:
        self.session.fire_if_possible(Event.PRINTED)

    # 5. Rating (好差评), then done

    def rate(self, level: str) -> None:
        if not self.session.can(Event.RATED):
            return
        snapshot = Visit(token=self.visit.token, result=self.visit.result)
        self.visit.rating = level
        self.session.fire(Event.RATED)
        self._in_background(lambda: self.services.rate(snapshot, level), "sending the rating now")

    def skip_rating(self) -> None:
        self.session.fire_if_possible(Event.RATING_SKIPPED)

    # 6. The end of a visit, however it comes

    def end_visit(self, reason: EndReason) -> None:
        """Leave the visit from wherever it is: revoke the token, wipe, language and mode back to defaults."""
        token = self.visit.token
        self.generation += 1
        self.login.reset()
        self.card.reset()
        self.pending_item_id = ""
        self.send_at = None
        self.view.reset_presentation()      # before home is drawn, so home is in the default language
        if not self.session.fire_if_possible(Event.FINISH):
            self.session.end_visit(reason)
        self._revoke(token)
        if self.services.started:
            self._in_background(self.services.visit_ended, "holding undelivered slips")
        if self.stage == Stage.HOME and not self.mode.in_service:
            self.update_service_mode()     # a pause that came during the visit takes effect now

    def stop(self) -> None:
        """The kiosk is shutting down: no more polling; answers still on their way are ignored."""
        self.generation += 1
        self.login.set_active(False)
        self.login.reset()
        self.card.set_active(False)
        self.card.reset()
        self.send_at = self.done_until = None

    # The clock

    def tick(self) -> None:
        """Called a few times a second: login code, submit grace period, done countdown."""
        self.login.tick()
        self.card.tick()
        now = self.clock()
        if self.send_at is not None and self.stage == Stage.SUBMITTING:
            if now >= self.send_at:
                self._send_now()
            else:
                self.view.show_submit_waiting(int(self.send_at - now) + 1)
        if self.done_until is not None and self.stage == Stage.DONE:
            left = int(self.done_until - now + 0.999)
            if left <= 0:
                self.end_visit(EndReason.FINISHED)
            else:
                self.view.show_done_seconds(left)

    # Help

    def call_for_help(self) -> None:
        if not self.services.started:
            self.view.show_help_outcome(False)
            return
        stage, item = self.stage, self.visit.item
        # Staff see where the citizen is stuck: the screen and the item (its name only, nothing personal).
        self.runner(lambda: self.services.help_request(stage, item.name_zh if item else ""),
                    lambda _id: self.view.show_help_outcome(True), lambda exc: self.view.show_help_outcome(False))

    # Every change of stage

    def _stage_entered(self, old: Stage, new: Stage, event: Event) -> None:
        self.view.show_stage(new, self.visit)
        self.view.arm_idle(new not in NOT_IDLE_STAGES)
        self._update_login()
        if new == Stage.LOGIN:
            self.view.show_login_code(self.login.shown())
        self.done_until = self.clock() + self.done_seconds if new == Stage.DONE else None
        if new == Stage.DONE:
            self.view.show_done_seconds(self.done_seconds)
        if new == Stage.HOME:
            self.refresh_catalog()
        if new == Stage.CATALOG and not self.list_filled:
            self.filter_catalog(*self.view.catalog_query())
        self.view.speak_stage(new)

    def _update_login(self) -> None:
        waiting = self.services.started and self.stage in (Stage.HOME, Stage.LOGIN) and self.visit.token is None
        self.login.set_active(waiting)
        self.card.set_active(waiting)
