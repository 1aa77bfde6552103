"""Assisted login with the resident ID card, as the visit flow runs it: a card on home opens the login screen,
staff approval logs the citizen in, and every other outcome (no card, expired, damaged, refused, denied,
expired request, unplugged reader, a card left behind, a citizen who leaves) says so and leaves nothing."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import pytest

from kiosk.central.errors import CentralRefused, CentralUnavailable
from kiosk.central.models import AssistedLogin
from kiosk.core.card_login import READER_RETRY, REQUEST_PATIENCE
from kiosk.core.session import EndReason, Stage
from kiosk.core.visit_flow import VisitFlow
from kiosk.devices.id_card import CardExpired, IdCard
from kiosk.devices.reader import CardUnreadable, NoCard, ReaderUnavailable
from tests.core.test_visit_flow import PROFILE, TOKEN, Clock, Runner, Services, View

CARD = IdCard(name="李秀英", sex="女", nation="汉", birth=dt.date(1948, 8, 17), address="示范市示范区幸福路8号",
              id_number="340104194808172022", issuer="示范市公安局示范分局", valid_from=dt.date(2015, 1, 1),
              valid_to=None)


@dataclass
class CardServices(Services):
    """The fake terminal with a reader: `on_reader` is what the next read finds (a card or an error)."""
    has_card_reader: bool = True
    on_reader: object = field(default_factory=lambda: NoCard("no card"))
    started_for: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    cancelled: list = field(default_factory=list)
    start_error: Exception | None = None
    refuse: Exception | None = None

    def read_card(self):
        if isinstance(self.on_reader, Exception):
            raise self.on_reader
        return self.on_reader

    def start_assisted_login(self, card) -> str:
        if self.refuse is not None:
            raise self.refuse
        self.started_for.append(card.id_number)
        return f"AL-{len(self.started_for)}"

    def poll_assisted_login(self, request_id: str):
        return self.answers.pop(0) if self.answers else AssistedLogin("pending")

    def cancel_assisted_login(self, request_id: str) -> None:
        self.cancelled.append(request_id)


@pytest.fixture
def world():
    services, view, runner, clock = CardServices(), View(), Runner(), Clock()
    flow = VisitFlow(services, view, runner, clock, submit_grace=3.0, done_seconds=15)
    flow.show_home()
    flow.start()
    runner.finish_all()
    return flow, services, view, runner, clock


def wait(world, seconds: float) -> None:
    """Let `seconds` pass a second at a time, every background answer arriving within its second."""
    flow, services, view, runner, clock = world
    for _ in range(int(seconds)):
        clock.now += 1
        flow.tick()
        runner.finish_all()


def statuses(view) -> list[str]:
    return [args[0] for args in view.named("show_login_status")]


def test_a_card_on_home_waits_for_staff_then_logs_the_citizen_in(world):
    flow, services, view, runner, clock = world
    wait(world, 3)
    assert flow.stage == Stage.HOME and services.started_for == []          # nothing on the reader
    services.on_reader = CARD
    wait(world, 1)
    assert flow.stage == Stage.LOGIN and services.started_for == [CARD.id_number]
    assert statuses(view)[-2:] == ["login.card_sending", "login.card_waiting_staff"]
    wait(world, 10)
    assert flow.stage == Stage.LOGIN and services.started_for == [CARD.id_number]   # one request only
    services.answers.append(AssistedLogin("approved", TOKEN, staff="hall-1"))
    wait(world, 3)
    assert flow.stage == Stage.CATALOG and flow.visit.token == TOKEN and flow.visit.profile == PROFILE
    assert "login.loading_profile" in statuses(view)


def test_a_card_left_on_the_reader_does_not_log_the_next_citizen_in(world):
    flow, services, view, runner, clock = world
    services.on_reader = CARD
    services.answers.append(AssistedLogin("approved", TOKEN))
    wait(world, 4)
    assert flow.stage == Stage.CATALOG
    flow.end_visit(EndReason.FINISHED)
    wait(world, 10)                                  # the card is still there
    assert flow.stage == Stage.HOME and len(services.started_for) == 1
    services.on_reader = NoCard("lifted")
    wait(world, 2)
    services.on_reader = CARD                        # placed again: a new visit may use it
    wait(world, 2)
    assert flow.stage == Stage.LOGIN and len(services.started_for) == 2


@pytest.mark.parametrize("answer, key", [(AssistedLogin("denied"), "login.card_denied"),
                                         (AssistedLogin("expired"), "login.card_request_expired")])
def test_staff_denial_or_a_lapsed_request_says_so_and_the_card_must_be_lifted(world, answer, key):
    flow, services, view, runner, clock = world
    services.on_reader = CARD
    services.answers.append(answer)
    wait(world, 5)
    assert flow.stage == Stage.LOGIN and flow.visit.token is None and statuses(view)[-1] == key
    wait(world, 10)
    assert len(services.started_for) == 1 and statuses(view)[-1] == key


def test_a_request_central_never_decides_ends_on_the_terminal_too(world):
    flow, services, view, runner, clock = world
    services.on_reader = CARD
    wait(world, 2)
    wait(world, REQUEST_PATIENCE + 2)
    assert statuses(view)[-1] == "login.card_request_expired" and flow.visit.token is None


@pytest.mark.parametrize("error, key", [(CardExpired("expired on 2020-01-01"), "login.card_expired"),
                                        (CardUnreadable("damaged"), "login.card_unreadable")])
def test_an_unusable_card_opens_the_login_screen_with_the_reason_once(world, error, key):
    flow, services, view, runner, clock = world
    services.on_reader = error
    wait(world, 6)
    assert flow.stage == Stage.LOGIN and statuses(view).count(key) == 1 and services.started_for == []


@pytest.mark.parametrize("refusal, key", [(CentralRefused("no record", reason="unknown_citizen", status=404),
                                           "login.card_unknown"),
                                          (CentralUnavailable("down"), "login.unavailable"),
                                          (CentralRefused("bad", reason="invalid_request"), "login.card_refused")])
def test_central_refusing_the_card_says_why(world, refusal, key):
    flow, services, view, runner, clock = world
    services.on_reader, services.refuse = CARD, refusal
    wait(world, 3)
    assert flow.stage == Stage.LOGIN and statuses(view)[-1] == key and flow.visit.token is None


def test_a_citizen_who_leaves_withdraws_the_request(world):
    flow, services, view, runner, clock = world
    services.on_reader = CARD
    wait(world, 3)
    flow.cancel_login()
    runner.finish_all()
    assert flow.stage == Stage.HOME and services.cancelled == ["AL-1"]
    services.answers.append(AssistedLogin("approved", TOKEN))   # a late approval is never fetched or used
    wait(world, 5)
    assert flow.visit.token is None and flow.stage == Stage.HOME


def test_an_unplugged_reader_is_logged_once_and_tried_again_later(world, caplog):
    flow, services, view, runner, clock = world
    services.on_reader = ReaderUnavailable("/dev/ttyUSB0 is gone")
    with caplog.at_level(logging.WARNING, logger="kiosk.core.card_login"):
        wait(world, READER_RETRY * 3)
    assert len([r for r in caplog.records if "reader unusable" in r.getMessage()]) == 1
    assert flow.stage == Stage.HOME and "login.card_unreadable" not in statuses(view)
    services.on_reader = CARD
    wait(world, READER_RETRY + 1)
    assert flow.stage == Stage.LOGIN


def test_no_reader_configured_means_no_reads(world):
    flow, services, view, runner, clock = world
    services.has_card_reader = False
    services.on_reader = CARD
    wait(world, 5)
    assert flow.stage == Stage.HOME and services.started_for == []


def test_the_card_is_not_read_once_the_citizen_is_logged_in(world):
    flow, services, view, runner, clock = world
    flow.scanner_code("card")
    runner.finish_all()
    assert flow.stage == Stage.CATALOG
    services.on_reader = CARD
    wait(world, 5)
    assert services.started_for == [] and flow.stage == Stage.CATALOG
