"""The client when the network or central misbehaves: each fault its own test, against a real server."""
from __future__ import annotations

import socket
import time

import pytest
import requests

from kiosk.central.client import CentralClient
from kiosk.central.errors import CentralRefused, CentralUnavailable, InvalidAnswer
from kiosk.central.signing import sign_request

from .conftest import TERMINAL_ID, Fault, certificate_values, citizen_token


class Sleeps:
    """Records the waits the client asks for instead of waiting."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_down_gives_unavailable_after_retrying_an_idempotent_call():
    sleeps = Sleeps()
    client = CentralClient(f"http://127.0.0.1:{_closed_port()}", TERMINAL_ID, b"s" * 32, connect_timeout=0.5,
                           max_retries=3, sleep=sleeps)
    with pytest.raises(CentralUnavailable, match="unreachable"):
        client.catalog()
    assert len(sleeps.calls) == 3
    assert all(0 <= s <= 8.0 for s in sleeps.calls)


def test_server_down_does_not_retry_a_call_that_is_not_idempotent():
    sleeps = Sleeps()
    client = CentralClient(f"http://127.0.0.1:{_closed_port()}", TERMINAL_ID, b"s" * 32, connect_timeout=0.5,
                           sleep=sleeps)
    with pytest.raises(CentralUnavailable):
        client.heartbeat({}, [])
    with pytest.raises(CentralUnavailable):
        client.start_login()
    assert sleeps.calls == []


def test_backoff_grows_exponentially_with_jitter_under_a_cap(central):
    sleeps = Sleeps()
    client = central.client(max_retries=5, backoff_base=1.0, backoff_cap=4.0, sleep=sleeps)
    central.faults.add(Fault("/api/v1/catalog", status=502, times=6))
    with pytest.raises(CentralUnavailable, match="502"):
        client.catalog()
    assert len(sleeps.calls) == 5
    for attempt, waited in enumerate(sleeps.calls, start=1):
        assert 0 <= waited <= min(4.0, 2 ** (attempt - 1))
    assert len(set(sleeps.calls)) > 1  # jittered, not a fixed schedule


def test_http_500_is_retried_and_then_reported_as_unavailable(central):
    client = central.client(max_retries=2)
    central.faults.add(Fault("/api/v1/catalog", status=500, times=10))
    with pytest.raises(CentralUnavailable, match="500"):
        client.catalog()
    assert central.faults.hits["/api/v1/catalog"] == 3


def test_one_http_500_then_success_returns_the_answer(central, client):
    central.faults.add(Fault("/api/v1/catalog", status=500, times=1))
    catalog = client.catalog()
    assert catalog is not None and len(catalog.items) >= 7
    assert central.faults.hits["/api/v1/catalog"] == 2


def test_http_500_on_a_heartbeat_is_not_retried(central, client):
    central.faults.add(Fault("/api/v1/heartbeat", status=500, times=1))
    with pytest.raises(CentralUnavailable):
        client.heartbeat({}, [])
    assert central.faults.hits["/api/v1/heartbeat"] == 1


@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_is_honoured_before_the_next_attempt(central, status):
    sleeps = Sleeps()
    client = central.client(sleep=sleeps)
    central.faults.add(Fault("/api/v1/catalog", status=status, headers={"Retry-After": "2"}, times=1))
    assert client.catalog() is not None
    assert sleeps.calls == [2.0]


def test_a_retry_after_longer_than_the_cap_is_handed_to_the_caller(central):
    sleeps = Sleeps()
    client = central.client(sleep=sleeps, retry_after_cap=10.0)
    central.faults.add(Fault("/api/v1/catalog", status=503, headers={"Retry-After": "120"}, times=1))
    with pytest.raises(CentralUnavailable) as err:
        client.catalog()
    assert err.value.retry_after == 120.0
    assert sleeps.calls == [] and central.faults.hits["/api/v1/catalog"] == 1


def test_a_server_slower_than_the_read_timeout_gives_unavailable(central):
    client = central.client(read_timeout=0.3, max_retries=0)
    central.faults.add(Fault("/api/v1/heartbeat", delay_before=1.0))
    started = time.monotonic()
    with pytest.raises(CentralUnavailable, match="timed out"):
        client.heartbeat({}, [])
    assert time.monotonic() - started < 0.9


def test_truncated_json_is_an_invalid_answer(central, client):
    central.faults.add(Fault("/api/v1/catalog", truncate_to=200))
    with pytest.raises(InvalidAnswer, match="malformed JSON"):
        client.catalog()


def test_malformed_json_is_an_invalid_answer(central, client):
    central.faults.add(Fault("/api/v1/heartbeat", body=b'{"server_time": 12,, "commands": []'))
    with pytest.raises(InvalidAnswer, match="malformed JSON"):
        client.heartbeat({}, [])


def test_json_of_the_wrong_shape_is_an_invalid_answer_naming_the_field(central, client):
    central.faults.add(Fault("/api/v1/heartbeat", body=b'{"commands": []}'))
    with pytest.raises(InvalidAnswer, match="server_time"):
        client.heartbeat({}, [])


def test_an_html_page_instead_of_json_is_an_invalid_answer(central, client):
    central.faults.add(Fault("/api/v1/catalog", body=b"<html>proxy login</html>", content_type="text/html"))
    with pytest.raises(InvalidAnswer, match="text/html"):
        client.catalog()


def test_a_wrong_signature_is_refused_with_401_and_a_reason(central):
    client = central.client(secret=b"w" * 64)
    with pytest.raises(CentralRefused) as err:
        client.catalog()
    assert (err.value.status, err.value.reason) == (401, "bad_signature")


def test_an_unknown_terminal_is_refused_with_401_and_a_reason(central):
    client = central.client(terminal_id="T-NOBODY")
    with pytest.raises(CentralRefused) as err:
        client.heartbeat({}, [])
    assert (err.value.status, err.value.reason) == (401, "unknown_terminal")


def test_an_unsigned_call_is_refused_with_401(central):
    resp = requests.get(f"{central.base_url}/api/v1/catalog", timeout=3)
    assert resp.status_code == 401 and resp.json()["error"] == "missing_signature"


def test_the_server_refuses_a_timestamp_more_than_five_minutes_old(central):
    path = "/api/v1/catalog"
    headers = sign_request(central.secret, TERMINAL_ID, "GET", path, b"", now=time.time() - 400).as_dict()
    resp = requests.get(central.base_url + path, headers=headers, timeout=3)
    assert resp.status_code == 401 and resp.json()["error"] == "clock_skew"


def test_a_client_with_a_wrong_clock_corrects_itself_from_central_time(central):
    skewed = lambda: time.time() + 1000  # noqa: E731  the terminal's clock runs 1000 s ahead
    client = central.client(clock=skewed)
    assert client.catalog() is not None
    assert client.server_time_offset() == pytest.approx(-1000, abs=5)
    assert client.heartbeat({}, []).server_time == pytest.approx(time.time(), abs=5)
    assert central.faults.hits["/api/v1/catalog"] == 2  # refused once, then signed with central's time


def test_a_submission_retried_after_a_read_timeout_creates_exactly_one_application(central):
    client = central.client(read_timeout=0.5, max_retries=3)
    token = citizen_token(client)
    before = central.store.count_applications()
    # The server commits the application, then answers too late: the client times out and retries.
    central.faults.add(Fault("/api/v1/submissions", delay_after=1.0))
    result = client.submit(token, "sb-cbjfzm", certificate_values(), "key-after-timeout")
    assert central.store.count_applications() == before + 1
    assert central.faults.hits["/api/v1/submissions"] == 2
    assert central.store.application(result.application_number) is not None


def test_a_submission_without_a_key_is_refused_by_the_server(central, client):
    token = citizen_token(client)
    body = b'{"item_id":"sb-cbjfzm","values":{}}'
    path = "/api/v1/submissions"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token.access_token}"}
    headers.update(sign_request(central.secret, TERMINAL_ID, "POST", path, body,
                                authorization=headers["Authorization"]).as_dict())
    resp = requests.post(central.base_url + path, data=body, headers=headers, timeout=3)
    assert resp.status_code == 400 and resp.json()["error"] == "missing_idempotency_key"
