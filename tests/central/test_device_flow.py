"""RFC 8628 login against the reference server: pending, scanned, approved, denied, slow_down, expiry.

Server and flow share a fake clock, so intervals and expiry are exercised without real waiting."""
from __future__ import annotations

import re
import time

import pytest
import requests

from kiosk.central.device_flow import DeviceFlow
from kiosk.central.device_flow import LoginState
from kiosk.central.errors import CentralRefused, LoginExpired
from kiosk.central.models import PollOutcome
from kiosk_devtools.phone import PhoneError, PhoneSimulator

from .conftest import HALL, TERMINAL_NAME, FakeClock, citizen_token


@pytest.fixture
def clocked(central_factory):
    clock = FakeClock()
    server = central_factory(clock=clock, device_interval=1, device_code_lifetime=30)
    client = server.client()
    yield server, client, clock, DeviceFlow(client, clock=clock, sleep=clock.sleep)
    client.close()


def test_device_authorization_follows_rfc_8628(central, client):
    auth = client.start_login()
    assert re.fullmatch(r"[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}", auth.user_code)
    assert auth.verification_uri == f"{central.base_url}/phone"
    assert auth.verification_uri_complete == f"{central.base_url}/phone?user_code={auth.user_code}"
    assert auth.interval == 1 and auth.expires_in == 300


def test_login_goes_pending_then_scanned_then_approved_with_the_citizens_profile(clocked):
    server, client, clock, flow = clocked
    phone = PhoneSimulator(server.base_url)
    auth = flow.start()
    assert flow.poll().state == "pending"
    phone.scan(auth.user_code)
    assert flow.poll().state == "scanned"
    phone.approve(auth.user_code, "C002")
    progress = flow.poll()
    assert progress.state == "approved" and progress.token is not None
    assert client.profile(progress.token).name == "李秀英"
    assert not flow.active


def test_polls_are_spaced_by_the_interval(clocked):
    server, client, clock, flow = clocked
    flow.start()
    start = clock()
    for _ in range(3):
        assert flow.poll().state == "pending"
    assert clock() - start == pytest.approx(3.0)


def test_a_denied_login_ends_the_code(clocked):
    server, client, clock, flow = clocked
    auth = flow.start()
    PhoneSimulator(server.base_url).deny(auth.user_code)
    assert flow.poll().state == "denied"
    assert not flow.active and flow.seconds_until_poll() == float("inf")
    with pytest.raises(RuntimeError, match="start"):
        flow.poll()


def test_slow_down_adds_five_seconds_and_the_longer_interval_is_kept(clocked):
    server, client, clock, flow = clocked
    auth = flow.start()
    clock.advance(0.9)
    assert client.poll_login(auth.device_code).outcome is PollOutcome.PENDING   # a poll the flow does not know about
    assert flow.poll().state == "pending"     # 0.1 s later: central answers slow_down
    assert flow.interval == 6.0
    assert flow.seconds_until_poll() == pytest.approx(6.0)
    before = clock()
    for _ in range(2):
        assert flow.poll().state == "pending"  # no further slow_down: the flow waits 6 s each time
    assert flow.interval == 6.0 and clock() - before == pytest.approx(12.0)
    assert server.store.device_code_by_user_code(auth.user_code).interval == 6.0


def test_polling_too_fast_is_answered_with_slow_down(central, client):
    auth = client.start_login()
    assert client.poll_login(auth.device_code).outcome is PollOutcome.PENDING
    answer = client.poll_login(auth.device_code)
    assert answer.outcome is PollOutcome.SLOW_DOWN and answer.token is None


def test_an_expired_code_is_replaced_by_a_fresh_one(clocked):
    server, client, clock, flow = clocked
    first = flow.start()
    states = [flow.poll().state]
    while flow.active:
        states.append(flow.poll().state)
    assert states[-1] == "expired" and set(states[:-1]) == {"pending"} and len(states) == 30
    assert not flow.active
    second = flow.start()
    assert second.user_code != first.user_code and second.device_code != first.device_code
    assert flow.poll().state == "pending" and flow.seconds_left() > 25
    with pytest.raises(PhoneError) as err:
        PhoneSimulator(server.base_url).approve(first.user_code)
    assert err.value.status == 410


def test_central_saying_expired_token_ends_the_flow(clocked):
    server, client, clock, flow = clocked
    flow.start()
    # Only central's clock runs out: the flow learns it from expired_token.
    server.clock.now += 31
    flow.clock = lambda: server.clock.now - 31
    assert flow.poll().state == "expired"


def test_a_device_code_yields_one_token_only(central, client):
    auth = client.start_login()
    PhoneSimulator(central.base_url).approve(auth.user_code)
    flow = DeviceFlow(client)
    flow.follow(auth, interval=1.0)
    assert flow.poll().state == "approved"
    time.sleep(1.0)
    with pytest.raises(CentralRefused) as err:
        client.poll_login(auth.device_code)
    assert err.value.reason == "invalid_grant"


def test_another_terminal_cannot_redeem_this_terminals_code(central, client):
    central.store.register_terminal("T-OTHER", "2号终端", "别处大厅", b"o" * 64)
    other = central.client(terminal_id="T-OTHER", secret=b"o" * 64)
    auth = client.start_login()
    PhoneSimulator(central.base_url).approve(auth.user_code)
    with pytest.raises(CentralRefused) as err:
        other.poll_login(auth.device_code)
    assert err.value.reason == "invalid_grant"


def test_the_phone_page_names_the_terminal_and_hall_and_marks_the_code_scanned(central, client):
    auth = client.start_login()
    page = requests.get(auth.verification_uri_complete, timeout=3)
    assert page.status_code == 200
    assert TERMINAL_NAME in page.text and HALL in page.text and auth.user_code in page.text
    assert "终端身份已由中心核验" in page.text
    answer = client.poll_login(auth.device_code)
    assert answer.outcome is PollOutcome.PENDING and answer.scanned is True


def test_an_unsigned_device_authorization_works_but_the_phone_page_warns(central):
    resp = requests.post(f"{central.base_url}/oauth/device_authorization", data={"client_id": "T-TEST-0001"},
                         timeout=3)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    page = requests.get(resp.json()["verification_uri_complete"], timeout=3)
    assert "未经终端签名" in page.text


def test_an_unknown_client_id_is_refused(central):
    resp = requests.post(f"{central.base_url}/oauth/device_authorization", data={"client_id": "T-NOBODY"},
                         timeout=3)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_login_with_a_social_security_card_code_gives_a_token(client):
    token = citizen_token(client, 3)
    assert client.profile(token).name == "陈建国"
    with pytest.raises(CentralRefused) as err:
        client.login_with_code("ESSC1-NOT-A-REAL-CARD")
    assert err.value.reason == "invalid_code"


def test_an_expired_citizen_token_raises_login_expired(central_factory):
    clock = FakeClock()
    server = central_factory(clock=clock, token_lifetime=60)
    client = server.client()
    token = citizen_token(client)
    assert client.profile(token).name
    clock.advance(61)
    with pytest.raises(LoginExpired):
        client.profile(token)


def test_every_rfc_8628_answer_of_the_token_endpoint_is_a_value_not_an_exception(clocked):
    server, client, clock, flow = clocked
    phone = PhoneSimulator(server.base_url)
    denied = client.start_login()
    phone.deny(denied.user_code)
    assert client.poll_login(denied.device_code).outcome is PollOutcome.DENIED
    expired = client.start_login()
    clock.advance(31)
    assert client.poll_login(expired.device_code).outcome is PollOutcome.EXPIRED
    approved = client.start_login()
    phone.approve(approved.user_code, "C002")
    clock.advance(2)
    answer = client.poll_login(approved.device_code)
    assert answer.outcome is PollOutcome.APPROVED and client.profile(answer.token).name == "李秀英"


def test_the_flow_reports_its_states_as_an_enum_that_still_reads_as_text(clocked):
    server, client, clock, flow = clocked
    auth = flow.start()
    progress = flow.poll()
    assert progress.state is LoginState.PENDING and progress.state == "pending"
    PhoneSimulator(server.base_url).deny(auth.user_code)
    assert flow.poll().state is LoginState.DENIED
