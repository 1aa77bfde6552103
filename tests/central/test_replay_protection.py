"""A captured signed request sent again is refused by the reference server, and makes nothing new.

Requests are captured at the server as a listener on the hall network would see them, then re-sent as is,
with a new Idempotency-Key, or without the citizen's token."""
from __future__ import annotations

import io

import pytest
import requests

from .conftest import certificate_values, citizen_token


class Recorder:
    """WSGI middleware keeping the method, path, headers and body of every request."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], headers, body))
        return self.app(environ, start_response)

    def last(self, path: str) -> tuple[str, str, dict[str, str], bytes]:
        return next(r for r in reversed(self.seen) if r[1] == path)


@pytest.fixture
def recorder(central):
    rec = Recorder(central.embedded.app.wsgi_app)
    central.embedded.app.wsgi_app = rec
    return rec


def _resend(central, captured, **header_changes):
    method, path, headers, body = captured
    headers = {k: v for k, v in headers.items() if k not in ("Host", "Content-Length")}
    for name, value in header_changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    resp = requests.request(method, central.base_url + path, data=body, headers=headers, timeout=5)
    return resp.status_code, resp.json().get("error")


def test_a_captured_submission_sent_again_makes_no_new_application(central, client, recorder):
    token = citizen_token(client)
    client.submit(token, "sb-cbjfzm", certificate_values(), "key-original")
    captured = recorder.last("/api/v1/submissions")
    before = central.store.count_applications()
    assert _resend(central, captured) == (401, "replayed")
    assert _resend(central, captured, Idempotency_Key="key-new") == (401, "bad_signature")
    assert _resend(central, captured, Idempotency_Key=None) == (401, "bad_signature")
    assert _resend(central, captured, Authorization=None) == (401, "bad_signature")
    assert _resend(central, captured, X_Nonce="N" * 22, Idempotency_Key="key-new") == (401, "bad_signature")
    assert central.store.count_applications() == before


def test_a_captured_help_request_sent_again_calls_no_one(central, client, recorder):
    client.help_request("打印机没纸")
    captured = recorder.last("/api/v1/help-requests")
    before = len(central.store.open_help_requests())
    assert _resend(central, captured) == (401, "replayed")
    assert _resend(central, captured, Idempotency_Key="another-key") == (401, "bad_signature")
    assert len(central.store.open_help_requests()) == before == 1


def test_a_captured_outbox_replay_without_a_token_cannot_be_replayed(central, client, recorder):
    """An outbox replay carries the applicant instead of a token: only the signature protects it."""
    from central_server.citizens import SAMPLE_CITIZENS

    from tests.reliability.visits import OFFLINE_ITEM, form_values

    citizen = SAMPLE_CITIZENS[0]
    item = client.catalog().item(OFFLINE_ITEM)
    profile = client.profile(citizen_token(client))
    result = client.submit(None, OFFLINE_ITEM, form_values(item, profile), "key-offline",
                           applicant={"name": citizen.name, "id_number": citizen.id_number})
    assert result.application_number
    captured = recorder.last("/api/v1/submissions")
    assert "Authorization" not in captured[2]
    before = central.store.count_applications()
    assert _resend(central, captured, Idempotency_Key="key-offline-2") == (401, "bad_signature")
    assert _resend(central, captured) == (401, "replayed")
    assert central.store.count_applications() == before


def test_the_terminals_own_retries_are_new_signatures_and_are_accepted(central, client, recorder):
    for _ in range(3):
        client.heartbeat({}, [])      # within one second: same timestamp, new nonce each time
    stamps = {r[2]["X-Timestamp"] for r in recorder.seen}
    nonces = {r[2]["X-Nonce"] for r in recorder.seen}
    assert len(nonces) == len(recorder.seen) == 3 and len(stamps) <= 2


def test_a_nonce_is_forgotten_once_its_timestamp_leaves_the_window(central_factory):
    from kiosk.central.signing import sign_request

    from tests.central.conftest import FakeClock

    clock = FakeClock()
    server = central_factory(clock=clock)
    path = "/api/v1/catalog"
    headers = sign_request(server.secret, "T-TEST-0001", "GET", path, b"", now=clock()).as_dict()
    url = server.base_url + path
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    assert requests.get(url, headers=headers, timeout=5).json()["error"] == "replayed"
    clock.advance(301)
    assert requests.get(url, headers=headers, timeout=5).json()["error"] == "clock_skew"
