"""The visit state machine: allowed paths, refused events, and wiping at every way out."""
import pytest

from kiosk.central.models import CitizenProfile, Token
from kiosk.core.session import ACTIVE_STAGES, TRANSITIONS, EndReason, Event, InvalidTransition, Session, Stage

from tests.core.samples import sample_item

PROFILE = CitizenProfile(name="张桂英", id_number="340102195204121234", phone="13912345678")
TOKEN = Token(access_token="t-1", expires_in=600)


def walk_to_confirm(session):
    session.fire(Event.START_LOGIN)
    session.set_login(TOKEN, PROFILE)
    session.set_item(sample_item())
    session.visit.values["year_from"] = "2023"
    session.fire(Event.REVIEW)


def test_whole_visit_path_ends_home_with_nothing_left():
    session = Session()
    seen = []
    session.subscribe(lambda old, new, event: seen.append(new))
    walk_to_confirm(session)
    for event in (Event.CONFIRM, Event.SUBMITTED, Event.PRINTED, Event.RATED, Event.FINISH):
        session.fire(event)
    assert seen == [Stage.LOGIN, Stage.CATALOG, Stage.ITEM, Stage.CONFIRM, Stage.SUBMITTING, Stage.PRINTING,
                    Stage.RATING, Stage.DONE, Stage.HOME]
    assert session.visit.is_empty


def test_item_form_is_prefilled_from_profile():
    session = Session()
    session.fire(Event.START_LOGIN)
    session.set_login(TOKEN, PROFILE)
    session.set_item(sample_item())
    assert session.visit.values["name"] == "张桂英"
    assert session.visit.values["id_number"] == "340102195204121234"


def test_refused_event_raises_and_keeps_stage():
    session = Session()
    with pytest.raises(InvalidTransition):
        session.fire(Event.CONFIRM)
    assert session.stage == Stage.HOME
    with pytest.raises(InvalidTransition):
        session.fire("confirm")          # a string is not an event


@pytest.mark.parametrize("stage", [Stage.HOME, Stage.CATALOG, Stage.ITEM, Stage.OUT_OF_SERVICE])
def test_login_outside_the_login_stage_is_refused_and_stores_nothing(stage):
    session = Session()
    if stage == Stage.OUT_OF_SERVICE:
        session.fire(Event.GO_OUT_OF_SERVICE)
    elif stage != Stage.HOME:
        session.fire(Event.BROWSE)
        if stage == Stage.ITEM:
            session.set_item(sample_item())
    seen = []
    session.subscribe(lambda old, new, event: seen.append(event))
    with pytest.raises(InvalidTransition, match="logged_in"):
        session.set_login(TOKEN, PROFILE)
    assert session.stage == stage and seen == []
    assert session.visit.token is None and session.visit.profile is None


@pytest.mark.parametrize("stop_after", range(1, 7))
def test_end_visit_from_any_stage_wipes_everything(stop_after):
    session = Session()
    steps = [lambda: session.fire(Event.START_LOGIN), lambda: session.set_login(TOKEN, PROFILE),
             lambda: session.set_item(sample_item()), lambda: session.fire(Event.REVIEW),
             lambda: session.fire(Event.CONFIRM), lambda: session.fire(Event.SUBMITTED)]
    for step in steps[:stop_after]:
        step()
    assert session.active
    session.end_visit(EndReason.IDLE)
    assert session.stage == Stage.HOME
    assert session.visit.is_empty
    assert not session.active


def test_out_of_service_only_from_home_and_back():
    session = Session()
    session.fire(Event.GO_OUT_OF_SERVICE)
    assert session.stage == Stage.OUT_OF_SERVICE
    assert not session.active
    session.fire(Event.BACK_IN_SERVICE)
    assert session.stage == Stage.HOME
    session.fire(Event.BROWSE)
    assert not session.fire_if_possible(Event.GO_OUT_OF_SERVICE) and session.stage == Stage.CATALOG


def test_every_transition_targets_a_real_stage_and_active_stages_exclude_idle_ones():
    for table in TRANSITIONS.values():
        for src, dst in table.items():
            assert isinstance(src, Stage) and isinstance(dst, Stage)
    assert Stage.HOME not in ACTIVE_STAGES and Stage.OUT_OF_SERVICE not in ACTIVE_STAGES
