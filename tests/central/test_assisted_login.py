"""Assisted login (帮办登录) end to end on the reference central: the card read by the (virtual) reader, the
request on the hall page with the name and number masked, a member of staff approving it, and the terminal
receiving the citizen's token, with the staff member's name kept; denial, other halls and unknown cards."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from central_server.citizens import SAMPLE_CITIZENS
from central_server.schema import tokens
from central_server.storage import CentralStore
from kiosk.central.errors import CentralRefused
from kiosk.devices.reader import SamReader, open_port
from kiosk_devtools.virtual_id_reader import SAMPLE_CARD, VirtualIdReader

from .conftest import FakeClock


@pytest.fixture
def card():
    reader = VirtualIdReader().start()
    try:
        yield SamReader(open_port(reader.url, timeout=1.0), reader.url).read_card(dt.date(2026, 12, 3))
    finally:
        reader.stop()


def test_a_card_read_at_the_terminal_logs_in_once_staff_approve(central, client, card):
    request_id = client.start_assisted_login(card.id_number)
    assert client.poll_assisted_login(request_id).status == "pending"
    staff = central.staff()
    page = staff.page()
    assert "李**" in page and "340104********2022" in page and SAMPLE_CARD["id_number"] not in page
    staff.post(f"/staff/assisted/{request_id}/approve")
    approved = client.poll_assisted_login(request_id)
    assert approved.status == "approved" and approved.staff == "staff" and approved.token is not None
    profile = client.profile(approved.token)
    assert profile.name == "李秀英" and profile.id_number == SAMPLE_CARD["id_number"]
    assert "李**" not in staff.page()                      # no longer waiting
    staff.post(f"/staff/assisted/{request_id}/deny")        # a second decision changes nothing
    assert client.poll_assisted_login(request_id).status == "approved"


def test_staff_who_are_not_sure_deny_and_no_token_is_given(central, client, card):
    request_id = client.start_assisted_login(card.id_number)
    central.staff().post(f"/staff/assisted/{request_id}/deny")
    denied = client.poll_assisted_login(request_id)
    assert denied.status == "denied" and denied.token is None


def test_a_card_central_has_no_record_of_is_refused_clearly(client):
    with pytest.raises(CentralRefused) as refused:
        client.start_assisted_login("110101190001011234")
    assert refused.value.status == 404 and refused.value.reason == "unknown_citizen"


def test_an_approval_needs_the_staff_pages_csrf_token(central, client, card):
    request_id = client.start_assisted_login(card.id_number)
    staff = central.staff()
    forged = staff.session.post(f"{central.base_url}/staff/assisted/{request_id}/approve", timeout=5)
    assert forged.status_code == 400
    assert client.poll_assisted_login(request_id).status == "pending"


def test_a_citizen_who_leaves_withdraws_the_request_and_staff_no_longer_see_it(central, client, card):
    request_id = client.start_assisted_login(card.id_number)
    staff = central.staff()
    assert "李**" in staff.page()
    client.cancel_assisted_login(request_id)
    client.cancel_assisted_login(request_id)               # harmless twice
    assert "李**" not in staff.page()
    staff.post(f"/staff/assisted/{request_id}/approve")      # too late: nothing is approved
    answer = client.poll_assisted_login(request_id)
    assert answer.status == "withdrawn" and answer.token is None


def test_a_decided_request_is_not_undone_by_a_withdrawal(central, client, card):
    request_id = client.start_assisted_login(card.id_number)
    central.staff().post(f"/staff/assisted/{request_id}/deny")
    client.cancel_assisted_login(request_id)
    assert client.poll_assisted_login(request_id).status == "denied"


def test_only_the_terminal_that_asked_can_withdraw(central, client, card):
    request_id = client.start_assisted_login(card.id_number)
    central.store.register_terminal("T-OTHER", "2号终端", "别处大厅", b"o" * 64)
    other = central.client(terminal_id="T-OTHER", secret=b"o" * 64)
    with pytest.raises(CentralRefused) as refused:
        other.cancel_assisted_login(request_id)
    assert refused.value.status == 404
    assert client.poll_assisted_login(request_id).status == "pending"


def test_the_member_of_staff_who_helped_is_kept_with_the_application_and_its_rating(central, client, card):
    from tests.central.conftest import certificate_values

    request_id = client.start_assisted_login(card.id_number)
    staff = central.staff()
    staff.post(f"/staff/assisted/{request_id}/approve")
    token = client.poll_assisted_login(request_id).token
    values = certificate_values(1)
    result = client.submit(token, "sb-cbjfzm", values, "assisted-1")
    client.rate(token, result.application_number, "satisfied", "", "assisted-rating-1")
    ratings = central.store.recent_ratings()
    assert [(r.application_number, r.assisted_by) for r in ratings] == [(result.application_number, "staff")]
    page = staff.page()
    assert result.application_number in page and "<td>staff</td>" in page


def test_a_citizens_own_login_carries_no_helper(central, client):
    from tests.central.conftest import certificate_values, citizen_token

    result = client.submit(citizen_token(client), "sb-cbjfzm", certificate_values(), "own-1")
    client.rate(None, result.application_number, "satisfied", "", "own-rating-1")
    assert [r.assisted_by for r in central.store.recent_ratings()] == [""]


def _tokens(store) -> int:
    with store.transaction() as tx:
        return tx.connection.execute(select(func.count()).select_from(tokens)).scalar_one()


def test_an_approval_that_comes_second_or_late_issues_no_token(new_database):
    """Two members of staff decide at once, or the terminal withdraws meanwhile, or the request has lapsed: the
    approval that comes second claims nothing and leaves no token behind (one transaction claims, then issues)."""
    clock = FakeClock(1_800_000_000.0)
    store = CentralStore(new_database(), clock=clock)
    try:
        citizen = SAMPLE_CITIZENS[0]
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        for request_id in ("A-1", "A-2", "A-3"):
            store.add_assisted_login(request_id, "T-1", citizen, "李**", "3401**")
        before = _tokens(store)
        assert store.deny_assisted_login("A-1", "wang")
        assert not store.approve_assisted_login("A-1", "li", 900, made_after=clock() - 300)
        assert store.withdraw_assisted_login("A-2")
        assert not store.approve_assisted_login("A-2", "li", 900, made_after=clock() - 300)
        clock.advance(301)
        assert not store.approve_assisted_login("A-3", "li", 900, made_after=clock() - 300)
        assert _tokens(store) == before
        assert [store.assisted_login(r).status for r in ("A-1", "A-2", "A-3")] == ["denied", "withdrawn", "pending"]
        store.add_assisted_login("A-4", "T-1", citizen, "李**", "3401**")
        assert store.approve_assisted_login("A-4", "li", 900, made_after=clock() - 300)
        approved = store.assisted_login("A-4")
        assert approved.status == "approved" and approved.staff == "li"
        assert store.token_citizen(approved.token, "T-1").id == citizen.id
        assert store.token_assisted_by(approved.token, "T-1") == "li" and _tokens(store) == before + 1
    finally:
        store.close()
