"""The visit flow driven with a recording view, fake services and a hand-moved clock: no Qt, no window.

Every rule of a visit is proved here: the path, late answers, the grace period, the countdown, service mode."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from kiosk.central.device_flow import LoginState
from kiosk.central.errors import CentralRefused, CentralUnavailable, LoginExpired
from kiosk.central.models import CitizenProfile, DeviceAuthorization, SubmissionResult, Token
from kiosk.core.home_snapshot import HomeCatalog
from kiosk.core.item_search import search_items
from kiosk.core.login_code import DENIED_PAUSE_SECONDS
from kiosk.core.session import EndReason, Stage
from kiosk.core.visit_flow import ServiceMode, VisitFlow, service_mode
from tests.core.samples import sample_item

PROFILE = CitizenProfile(name="张桂英", id_number="340102195204121234", phone="13912345678")
TOKEN = Token(access_token="t-1", expires_in=600)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Runner:
    """Holds each piece of background work until the test lets it finish (as a worker thread would)."""

    def __init__(self) -> None:
        self.queue: list[tuple] = []

    def __call__(self, work, on_done, on_error) -> None:
        self.queue.append((work, on_done, on_error))

    def finish_all(self) -> None:
        while self.queue:
            self.finish_next()

    def finish_next(self) -> None:
        work, on_done, on_error = self.queue.pop(0)
        try:
            value = work()
        except Exception as exc:   # handed to the flow exactly as a worker thread hands it over
            on_error(exc)
        else:
            on_done(value)


@dataclass
class Outcome:
    ok: bool
    status: Any = None


@dataclass
class Status:
    ready: bool = True

    def describe(self, locale: str) -> str:
        return "缺纸" if locale == "zh_CN" else "out of paper"

    def advice(self, locale: str) -> str:
        return "请联系工作人员"


class DeviceFlowFake:
    def __init__(self, poll_answers: list) -> None:
        self.poll_answers = poll_answers

    def start(self) -> DeviceAuthorization:
        return DeviceAuthorization(device_code="d", user_code="ABCD-EFGH", verification_uri="https://c/p",
                                   verification_uri_complete="https://c/p?c=ABCD", expires_in=300, interval=5)

    def seconds_until_poll(self) -> float:
        return 0.0

    def poll(self):
        return self.poll_answers.pop(0)


@dataclass
class Progress:
    state: LoginState
    token: Token | None = None


@dataclass
class Services:
    """The terminal as the flow sees it: catalogue, central and printer, each answer settable by the test."""
    started: bool = False
    central_reachable: bool = True
    catalog: list = field(default_factory=lambda: [sample_item()])
    submit_answer: Any = None
    print_answer: Any = None
    polls: list = field(default_factory=list)
    revoked: list = field(default_factory=list)
    submitted: list = field(default_factory=list)
    start_error: Exception | None = None
    status: Status = field(default_factory=Status)
    resumed_slips: int = 0
    help_calls: list = field(default_factory=list)
    visits_ended: int = 0
    has_card_reader: bool = False

    # The ID card reader and central's assisted logins: set by tests/core/test_card_login.py
    def read_card(self): raise AssertionError("no reader in these tests")
    def start_assisted_login(self, card) -> str: raise AssertionError("no reader in these tests")
    def poll_assisted_login(self, request_id: str): raise AssertionError("no reader in these tests")
    def cancel_assisted_login(self, request_id: str) -> None: raise AssertionError("no reader in these tests")

    def visit_ended(self) -> None:
        self.visits_ended += 1

    def start(self) -> None:
        if self.start_error:
            raise self.start_error
        self.started = True

    def refresh_catalog(self) -> None: ...
    def item(self, item_id: str): return next((i for i in self.catalog if i.id == item_id), None)
    def items(self): return list(self.catalog)
    def most_used(self, limit: int): return list(self.catalog)[:limit]
    def home_catalog(self, limit: int): return HomeCatalog(tuple(self.catalog)[:limit], ())
    def search(self, query: str, category: str = ""):
        return [it for it in search_items(list(self.catalog), query) if not category or it.category == category]
    def has_catalog(self) -> bool: return bool(self.catalog)
    def record_use(self, item_id: str) -> None: ...
    def device_flow(self): return DeviceFlowFake(self.polls) if self.started else None
    def login_with_code(self, code: str) -> Token: return TOKEN
    def fetch_profile(self, token: Token) -> CitizenProfile: return PROFILE
    def revoke(self, token) -> None: self.revoked.append(token)

    def submit(self, visit):
        self.submitted.append(dict(visit.values))
        if isinstance(self.submit_answer, Exception):
            raise self.submit_answer
        return self.submit_answer

    def print_result(self, result): return self.print_answer
    def rate(self, visit, level: str) -> str: return "recorded"
    def help_request(self, stage, item_name: str = "") -> str:
        self.help_calls.append((stage, item_name))
        return "h-1"
    def printer_status(self): return self.status


class View:
    """Records every call the flow makes, as (method name, arguments)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def __getattr__(self, name: str):
        if name == "catalog_query":
            return lambda: ("", "")
        return lambda *args: self.calls.append((name, args))

    def named(self, name: str) -> list[tuple]:
        return [args for called, args in self.calls if called == name]


@pytest.fixture
def world():
    services, view, runner, clock = Services(), View(), Runner(), Clock()
    flow = VisitFlow(services, view, runner, clock, submit_grace=3.0, done_seconds=15)
    flow.show_home()
    flow.start()
    runner.finish_all()
    return flow, services, view, runner, clock


def logged_in(world):
    flow, services, view, runner, clock = world
    flow.scanner_code("card")
    runner.finish_all()
    assert flow.stage == Stage.CATALOG
    return flow


def at_confirm(world):
    flow = logged_in(world)
    flow.choose_item(sample_item().id)
    flow.review({"name": "张桂英", "id_number": "340102195204121234", "year_from": "2023"})
    assert flow.stage == Stage.CONFIRM, world[2].named("show_form_problems")
    return flow


def submitted(world, answer=None, *, answered=True):
    """Confirm, wait out the grace period, and (when `answered`) let central's answer arrive."""
    flow, services, view, runner, clock = world
    services.submit_answer = answer if answer is not None else SubmissionResult("A-1", "issued", document=None)
    at_confirm(world)
    flow.submit()
    clock.now += 3
    flow.tick()
    if answered:
        runner.finish_all()
    return flow


def test_a_whole_visit_by_card_ends_home_with_nothing_left(world):
    flow, services, view, runner, clock = world
    submitted(world)
    assert flow.stage == Stage.RATING and flow.visit.print_ok is False  # nothing to print
    flow.rate("satisfied")
    runner.finish_all()
    assert flow.stage == Stage.DONE
    flow.end_visit(EndReason.FINISHED)
    assert flow.stage == Stage.HOME and flow.visit.is_empty
    runner.finish_all()
    assert services.revoked == [TOKEN] and services.visits_ended == 1   # undelivered slips held
    shown = [args[0] for args in view.named("show_stage")]
    assert shown == [Stage.HOME, Stage.LOGIN, Stage.CATALOG, Stage.ITEM, Stage.CONFIRM, Stage.SUBMITTING,
                     Stage.PRINTING, Stage.RATING, Stage.DONE, Stage.HOME]


def test_submission_waits_its_grace_period_and_can_be_cancelled_before(world):
    flow, services, view, runner, clock = world
    at_confirm(world)
    flow.submit()
    clock.now += 2.9
    flow.tick()
    assert not runner.queue and view.named("show_submit_waiting")[-1] == (1,)
    flow.cancel_submit()
    assert flow.stage == Stage.CONFIRM
    clock.now += 10
    flow.tick()
    assert services.submitted == [] and not runner.queue


def test_an_answer_for_a_visit_that_ended_is_dropped(world):
    flow, services, view, runner, clock = world
    submitted(world, answered=False)
    assert len(runner.queue) == 1            # the submission is on its way
    flow.end_visit(EndReason.IDLE)
    runner.finish_all()
    assert flow.stage == Stage.HOME and flow.visit.result is None and flow.visit.is_empty


def test_a_login_that_arrives_after_the_visit_ended_is_revoked_not_used(world):
    flow, services, view, runner, clock = world
    flow.scanner_code("card")
    runner.finish_next()                     # the card is accepted: token in hand, profile on its way
    flow.end_visit(EndReason.CITIZEN)
    runner.finish_all()
    assert flow.stage == Stage.HOME and flow.visit.token is None and TOKEN in services.revoked


@pytest.mark.parametrize("error, key", [(CentralRefused("bad year", reason="invalid"), "submit.failed"),
                                        (LoginExpired("expired"), "submit.login_expired"),
                                        (CentralUnavailable("down"), "submit.unavailable")])
def test_a_failed_submission_returns_to_confirm_saying_why(world, error, key):
    flow, services, view, runner, clock = world
    submitted(world, error)
    assert flow.stage == Stage.CONFIRM and flow.visit.error == key


def test_a_failed_print_shows_the_number_and_the_printer_problem(world):
    flow, services, view, runner, clock = world
    from kiosk.central.models import Document
    document = Document(title="证明", number="D-1", fields=(), issuer="人社局", seal_text="人社局",
                        issued_at="2026-12-03T12:00:00+08:00", verification_code="V1",
                        verification_url="https://c/v/1")
    services.status = Status(ready=False)
    services.print_answer = Outcome(ok=False, status=services.status)
    submitted(world, SubmissionResult("A-9", "issued", document=document))
    assert flow.stage == Stage.PRINTING
    failure = view.named("show_print_failure")[-1][0]
    assert failure.application_number == "A-9" and failure.verification_url == "https://c/v/1"
    assert failure.problem("en") == "out of paper" and not flow.printer_ready
    flow.print_acknowledged()
    assert flow.stage == Stage.RATING


def test_done_counts_down_and_returns_home_by_itself(world):
    flow, services, view, runner, clock = world
    submitted(world)
    flow.skip_rating()
    assert flow.stage == Stage.DONE
    clock.now += 10
    flow.tick()
    assert view.named("show_done_seconds")[-1] == (5,)
    clock.now += 5
    flow.tick()
    assert flow.stage == Stage.HOME and flow.visit.is_empty


def test_an_item_chosen_before_login_opens_after_it(world):
    flow, services, view, runner, clock = world
    flow.choose_item(sample_item().id)
    assert flow.stage == Stage.LOGIN
    flow.scanner_code("card")
    runner.finish_all()
    assert flow.stage == Stage.ITEM and flow.visit.item.id == sample_item().id
    assert flow.visit.values["name"] == "张桂英"          # prefilled from the profile


def test_qr_login_scanned_then_approved(world):
    flow, services, view, runner, clock = world
    services.polls.extend([Progress(LoginState.SCANNED), Progress(LoginState.APPROVED, TOKEN)])
    runner.finish_all()                      # the code arrives
    assert view.named("show_login_code")[-1][0].user_code == "ABCD-EFGH"
    flow.tick()
    runner.finish_all()
    assert flow.stage == Stage.LOGIN and ("login.scanned",) in view.named("show_login_status")
    flow.tick()
    runner.finish_all()
    assert flow.stage == Stage.CATALOG and flow.visit.token == TOKEN


def test_a_denied_code_is_said_and_replaced_after_a_pause(world):
    flow, services, view, runner, clock = world
    services.polls.append(Progress(LoginState.DENIED))
    flow.begin_login()
    runner.finish_all()
    flow.tick()
    runner.finish_all()
    assert ("login.denied",) in view.named("show_login_status") and flow.login.authorization is None
    flow.tick()
    assert not runner.queue                  # the message stays readable
    clock.now += DENIED_PAUSE_SECONDS
    flow.tick()
    runner.finish_all()
    assert flow.login.authorization is not None


def test_the_service_mode_rule():
    assert service_mode(staff_paused=True, start_failed=True, started=True, has_catalog=True) \
        is ServiceMode.STAFF_PAUSED
    assert service_mode(staff_paused=False, start_failed=True, started=False, has_catalog=True) \
        is ServiceMode.STARTUP_FAILED
    assert service_mode(staff_paused=False, start_failed=False, started=True, has_catalog=False) \
        is ServiceMode.CENTRAL_UNREACHABLE
    assert service_mode(staff_paused=False, start_failed=False, started=False, has_catalog=False) \
        is ServiceMode.IN_SERVICE          # still starting: no flash of "out of service"


def test_a_staff_pause_during_a_visit_waits_for_its_end(world):
    flow, services, view, runner, clock = world
    logged_in(world)
    flow.set_staff_pause(True, "打印机维修")
    assert flow.stage == Stage.CATALOG and flow.mode is ServiceMode.STAFF_PAUSED
    flow.end_visit(EndReason.CITIZEN)
    assert flow.stage == Stage.OUT_OF_SERVICE
    assert view.named("show_out_of_service")[-1] == (ServiceMode.STAFF_PAUSED, "打印机维修")
    flow.set_staff_pause(False)
    assert flow.stage == Stage.HOME


def test_start_up_failure_is_out_of_service_and_retried():
    services, view, runner, clock = Services(start_error=CentralUnavailable("down")), View(), Runner(), Clock()
    flow = VisitFlow(services, view, runner, clock)
    flow.show_home()
    flow.start()
    runner.finish_all()
    assert flow.stage == Stage.OUT_OF_SERVICE and flow.mode is ServiceMode.STARTUP_FAILED
    services.start_error = None
    flow.retry_central()
    runner.finish_all()
    assert flow.stage == Stage.HOME and flow.mode is ServiceMode.IN_SERVICE


def test_items_that_need_the_printer_wait_for_it(world):
    flow, services, view, runner, clock = world
    flow.printer_status = Status(ready=False)
    item = sample_item()
    assert item.needs_printer
    entries = flow.entries([item])
    assert entries[0].unavailable == "catalog.reason_printer" and entries[0].problem("zh_CN") == "缺纸"
    flow.choose_item(item.id)
    assert flow.stage == Stage.HOME


def test_a_help_call_says_on_which_screen_and_item_the_citizen_is(world):
    flow, services, view, runner, clock = world
    at_confirm(world)
    flow.call_for_help()
    runner.finish_all()
    assert services.help_calls == [(Stage.CONFIRM, sample_item().name_zh)]
    assert view.named("show_help_outcome")[-1] == (True,)


def test_before_the_services_start_home_is_drawn_and_the_list_is_filled_when_opened():
    services, view = Services(), View()
    flow = VisitFlow(services, view, Runner(), Clock())
    flow.show_home()
    assert view.named("show_catalog") and not view.named("show_items")
    flow.browse()
    assert flow.stage == Stage.CATALOG and len(view.named("show_items")) == 1
