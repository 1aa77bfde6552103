"""Fault matrix, central rows: what the citizen sees, what the outbox holds, and central's count of
applications and ratings (nothing lost, nothing doubled) when central is down, failing or garbled."""
from __future__ import annotations

import time

import pytest

from central_server.embedded import SECRET_NAME, start_embedded_central
from kiosk.central.errors import CentralUnavailable, InvalidAnswer
from kiosk.config import load_config
from kiosk.core.catalog import unavailable_reason
from kiosk.core.offline import PENDING_UPLOAD, STATUS_LINE
from kiosk_devtools.escpos_decode import decode_partial

from tests.reliability.conftest import CITIZEN, OFFLINE_ITEM, ONLINE_ITEM, TERMINAL_ID, logged_in_visit, write_config
from tests.reliability.fault_proxy import Fault

SUBMIT = "/api/v1/submissions"
RATE = "/api/v1/ratings"


def slip_text(job) -> list[str]:
    return decode_partial(job.bin_path.read_bytes(), 576).text_lines


def test_central_down_at_login_keeps_the_cached_catalogue_and_offers_only_offline_items(make_terminal, proxy,
                                                                                      witness):
    make_terminal().stop()                      # a first start caches the catalogue
    proxy.down()
    terminal = make_terminal()
    assert terminal.central_reachable is False
    assert terminal.catalog.catalog is not None
    with pytest.raises(CentralUnavailable):
        terminal.client.start_login()
    online = terminal.item(ONLINE_ITEM)
    offline = terminal.item(OFFLINE_ITEM)
    assert unavailable_reason(online, printer_ready=True, central_reachable=False) == "catalog.reason_central"
    assert unavailable_reason(offline, printer_ready=True, central_reachable=False) == ""
    assert terminal.outbox.depth() == 0 and witness.applications() == []


def test_central_down_at_submit_of_an_online_item_says_unavailable_and_creates_nothing(make_terminal, proxy,
                                                                                      witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.down()
    with pytest.raises(CentralUnavailable):
        terminal.submit(visit)
    [entry] = terminal.outbox.pending()
    assert entry.payload["item_id"] == ONLINE_ITEM and entry.attempts == 1
    assert terminal.central_reachable is False
    proxy.up()
    # The citizen tries again in the same visit: the same key, one application.
    result = terminal.submit(visit)
    assert visit.idempotency_key == entry.idempotency_key
    [app] = witness.applications()
    assert app["number"] == result.application_number
    assert terminal.outbox.get(entry.idempotency_key).reference == result.application_number
    assert terminal.replay_outbox().sent == 0 and len(witness.applications()) == 1


def test_an_online_submission_that_never_reached_central_is_settled_as_refused_by_the_replay(make_terminal,
                                                                                           proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.down()
    with pytest.raises(CentralUnavailable):
        terminal.submit(visit)
    proxy.up()
    report = terminal.replay_outbox()
    assert (report.sent, report.refused, report.left) == (0, 1, 0)
    [entry] = [terminal.outbox.get(visit.idempotency_key)]
    assert entry.state == "refused" and entry.last_error == "login_required" and entry.payload == {}
    assert witness.applications() == []


def test_central_down_at_submit_of_an_offline_item_prints_a_pending_slip_and_uploads_it_once(
        make_terminal, proxy, witness, printer):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, OFFLINE_ITEM)
    proxy.down()
    result = terminal.submit(visit)
    assert result.status == PENDING_UPLOAD
    assert result.application_number == f"LOCAL-{TERMINAL_ID}-000001"
    outcome = terminal.print_result(result)
    assert outcome.ok
    lines = slip_text(printer.jobs[-1])
    assert any(STATUS_LINE in line for line in lines)
    assert any(result.application_number in line for line in lines)
    assert not any(CITIZEN.id_number in line for line in lines)          # masked on paper
    assert terminal.outbox.depth() == 1 and witness.applications() == []
    assert terminal.rate(visit_with(visit, result), "satisfied") == "queued"

    proxy.up()
    assert terminal.replay_outbox().left == 0      # (the background replayer may have sent them first)
    [app] = witness.applications(OFFLINE_ITEM)
    entry = terminal.outbox.get(visit.idempotency_key)
    assert entry.state == "done" and entry.reference == app["number"] and entry.payload == {}
    [rating] = witness.ratings()
    assert rating["application_number"] == app["number"] and rating["level"] == "satisfied"
    terminal.replay_outbox()
    assert len(witness.applications()) == 1 and len(witness.ratings()) == 1


def visit_with(visit, result):
    visit.result = result
    return visit


def test_central_down_at_rating_queues_it_and_the_replay_records_it_once(make_terminal, proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    visit.result = terminal.submit(visit)
    proxy.down()
    assert terminal.rate(visit, "very_satisfied") == "queued"
    [entry] = terminal.outbox.pending("rating")
    assert entry.payload["application_number"] == visit.result.application_number
    assert witness.ratings() == []
    proxy.up()
    assert terminal.replay_outbox().left == 0
    assert terminal.replay_outbox().sent == 0
    [rating] = witness.ratings()
    assert rating["level"] == "very_satisfied"


def test_a_500_is_retried_with_the_same_key_and_makes_one_application(make_terminal, proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.inject("POST", SUBMIT, Fault("status", 500), times=2)
    result = terminal.submit(visit)
    assert proxy.count("POST", SUBMIT) == 3
    [app] = witness.applications()
    assert app["number"] == result.application_number
    assert terminal.outbox.get(visit.idempotency_key).state == "done"


def test_a_500_that_persists_says_unavailable_and_the_entry_waits(make_terminal, proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.inject("POST", SUBMIT, Fault("status", 500), times=100)
    with pytest.raises(CentralUnavailable, match="HTTP 500"):
        terminal.submit(visit)
    assert terminal.outbox.depth() == 1 and witness.applications() == []


def test_a_503_with_retry_after_is_waited_out_then_succeeds_once(make_terminal, proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.inject("POST", SUBMIT, Fault("status", 503, retry_after="1"))
    started = time.monotonic()
    terminal.submit(visit)
    assert time.monotonic() - started >= 1.0
    assert len(witness.applications()) == 1


def test_a_503_asking_for_a_long_wait_fails_at_once_with_the_wait(make_terminal, proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.inject("POST", SUBMIT, Fault("status", 503, retry_after="120"))
    started = time.monotonic()
    with pytest.raises(CentralUnavailable) as caught:
        terminal.submit(visit)
    assert caught.value.retry_after == 120 and time.monotonic() - started < 3.0
    assert terminal.outbox.depth() == 1 and witness.applications() == []


def test_a_read_timeout_after_central_committed_is_retried_without_a_second_application(make_terminal, proxy,
                                                                                      witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.inject("POST", SUBMIT, Fault("timeout_after_commit", hold=1.5))
    result = terminal.submit(visit)
    assert proxy.count("POST", SUBMIT) == 2
    [app] = witness.applications()
    assert app["number"] == result.application_number


def test_timeouts_after_commit_on_every_try_are_resolved_by_the_replay_without_doubling(make_terminal, proxy,
                                                                                      witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.inject("POST", SUBMIT, Fault("timeout_after_commit", hold=1.0), times=4)
    with pytest.raises(CentralUnavailable, match="timed out"):
        terminal.submit(visit)
    [app] = witness.applications()                      # central did act on the first try
    proxy.clear()
    assert terminal.replay_outbox().sent == 1            # the token-less replay fetches the stored answer
    entry = terminal.outbox.get(visit.idempotency_key)
    assert entry.state == "done" and entry.reference == app["number"]
    assert len(witness.applications()) == 1


def test_malformed_json_is_a_clear_error_and_the_retry_gets_the_stored_answer(make_terminal, proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    proxy.inject("POST", SUBMIT, Fault("malformed_after_commit"))
    with pytest.raises(InvalidAnswer, match="malformed JSON"):
        terminal.submit(visit)
    assert terminal.outbox.get(visit.idempotency_key).state == "pending"
    result = terminal.submit(visit)                      # the citizen taps 确认提交 again
    [app] = witness.applications()
    assert app["number"] == result.application_number


def test_clock_skew_of_an_hour_is_corrected_and_the_submission_made_once(tmp_path, printer, make_terminal):
    skewed = start_embedded_central(tmp_path / "skewed", TERMINAL_ID, "终端", "大厅",
                                    clock=lambda: time.time() + 3600)
    try:
        (tmp_path / "cfg").mkdir()
        config = load_config(write_config(tmp_path / "cfg", skewed.base_url, skewed.data_dir / SECRET_NAME,
                                          printer.port))
        terminal = make_terminal(config)
        assert terminal.catalog.catalog is not None
        visit = logged_in_visit(terminal, ONLINE_ITEM)
        result = terminal.submit(visit)
        store = skewed.app.extensions["central"].store
        assert store.count_applications() == 1
        assert store.application(result.application_number) is not None
        assert abs(terminal.client.server_time_offset() - 3600) < 60
    finally:
        skewed.stop()
