"""The one outbox sender: what each of central's answers does to a stored entry, on a real SQLite outbox.

Only a definitive refusal of the request settles it as refused; everything else keeps it, payload and all."""
from __future__ import annotations

import pytest

from kiosk.central.errors import CentralRefused, CentralUnavailable, InvalidAnswer, LoginExpired
from kiosk.core.outbox import Outbox
from kiosk.core.outbox_sender import OutboxSender, SendOutcome
from kiosk.shared.store import open_db

PAYLOAD = {"item_id": "x", "values": {"year": "2024"}, "applicant": {"name": "张伟", "id_number": "3401"}}


@pytest.fixture
def outbox(tmp_path):
    conn = open_db(tmp_path / "kiosk.sqlite3")
    yield Outbox(conn)
    conn.close()


def send(outbox, outcome):
    outbox.add("submission", PAYLOAD, "k-1")

    def call():
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    return OutboxSender(outbox).send("k-1", call, lambda answer: answer)


def test_an_acceptance_settles_with_the_reference_and_erases_the_payload(outbox):
    result = send(outbox, "A-1")
    entry = outbox.get("k-1")
    assert result.outcome is SendOutcome.SETTLED and result.answer == "A-1"
    assert (entry.state, entry.reference, entry.payload) == ("done", "A-1", {})


@pytest.mark.parametrize("status, reason", [(400, "invalid_values"), (403, "login_required"), (422, "")])
def test_a_refusal_of_the_request_itself_settles_it_as_refused(outbox, status, reason):
    result = send(outbox, CentralRefused("no", reason=reason, status=status))
    assert result.outcome is SendOutcome.REFUSED and outbox.get("k-1").state == "refused"


@pytest.mark.parametrize("error, outcome", [
    (CentralRefused("skew", reason="clock_skew", status=401), SendOutcome.NOT_AUTHORISED),
    (CentralRefused("replayed", reason="replayed", status=401), SendOutcome.NOT_AUTHORISED),
    (CentralRefused("busy", reason="rate_limited", status=429), SendOutcome.NOT_AUTHORISED),
    (LoginExpired("expired"), SendOutcome.NOT_AUTHORISED),
    (CentralUnavailable("down"), SendOutcome.UNREACHABLE),
    (InvalidAnswer("not json"), SendOutcome.UNCERTAIN),
])
def test_anything_else_keeps_the_entry_pending_with_its_payload(outbox, error, outcome):
    for attempt in range(3):                   # a repeated refusal still erases nothing
        result = send(outbox, error)
    entry = outbox.get("k-1")
    assert result.outcome is outcome and result.error is error
    assert entry.state == "pending" and entry.payload == PAYLOAD and entry.attempts == 3
    assert result.outcome.central_reachable is (outcome is not SendOutcome.UNREACHABLE)
