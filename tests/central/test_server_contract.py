"""The client against the real reference server: catalogue, submissions, verification, ratings, status."""
from __future__ import annotations

import datetime as _dt

import pytest
import requests

from central_server.citizens import SAMPLE_CITIZENS
from central_server.documents import load_catalog
from kiosk.central.errors import CentralRefused, CentralUnavailable
from kiosk.central.models import RATING_CODES
from kiosk.core.forms import id_number_is_valid

from .conftest import TERMINAL_NAME, certificate_values, citizen_token, start_central


def test_sample_citizens_have_valid_id_numbers_and_include_an_elderly_person():
    assert all(id_number_is_valid(c.id_number) for c in SAMPLE_CITIZENS)
    ages = [_dt.date.today().year - int(c.id_number[6:10]) for c in SAMPLE_CITIZENS]
    assert max(ages) >= 70


def test_sample_catalogue_covers_the_high_frequency_items_and_categories():
    catalog = load_catalog().parsed
    assert {c.name_zh for c in catalog.categories} == {"社保", "医保", "公积金", "税务", "不动产", "户政"}
    names = {it.name_zh for it in catalog.items}
    assert {"社保参保缴费证明", "医保缴费记录查询", "住房公积金缴存证明", "个人所得税完税证明",
            "不动产登记信息查询", "户籍证明"} <= names
    assert catalog.item("sb-cbjfzm").keywords[0] == "sbcbjfzm"
    assert catalog.item("hz-hjzm").offline_ok and not catalog.item("sb-cbjfzm").offline_ok
    for item in catalog.items:
        assert item.guide.eligibility and item.guide.time_limit and item.guide.fee and len(item.guide.faq) >= 2
        assert {f.prefill for f in item.form} >= {"name", "id_number"} and item.popularity > 0


def test_catalogue_is_downloaded_again_only_when_it_changed(client):
    catalog = client.catalog()
    assert catalog.etag.startswith('"') and len(catalog.items) >= 7
    assert client.catalog(catalog.etag) is None
    assert client.catalog('"something-else"') is not None


def test_a_submission_returns_a_sealed_checkable_document(central, client):
    token = citizen_token(client)
    result = client.submit(token, "sb-cbjfzm", certificate_values(), "k-doc")
    doc = result.document
    assert result.status == "issued" and len(result.application_number) == 20
    assert doc.issuer == doc.seal_text == "示范市社会保险事业管理中心" and doc.seal_label == "业务专用章"
    masks = {f.label: f.mask for f in doc.fields}
    assert masks["姓名"] == "name" and masks["公民身份号码"] == "id_number"
    assert doc.verification_url == f"{central.base_url}/verify/{doc.verification_code}"
    assert _dt.datetime.fromisoformat(doc.issued_at).utcoffset() == _dt.timedelta(hours=8)
    facts = client.verify(doc.verification_code)
    assert facts["valid"] and facts["application_number"] == result.application_number
    shown = {f["label"]: f["value"] for f in facts["fields"]}
    assert shown["公民身份号码"] == "340102********7314" and "张伟" not in shown["姓名"]
    page = requests.get(doc.verification_url, timeout=3)
    assert page.status_code == 200 and doc.title in page.text and "7314" in page.text
    assert "340102198503127314" not in page.text


def test_an_unknown_verification_code_is_not_valid(central, client):
    assert client.verify("NOSUCHCODE") == {"valid": False, "verification_code": "NOSUCHCODE"}
    assert requests.get(f"{central.base_url}/verify/NOSUCHCODE", timeout=3).status_code == 404


def test_the_same_key_and_body_give_the_same_answer_and_one_application(central, client):
    token = citizen_token(client)
    first = client.submit(token, "sb-cbjfzm", certificate_values(), "k-same")
    second = client.submit(token, "sb-cbjfzm", certificate_values(), "k-same")
    assert first == second and central.store.count_applications() == 1


def test_the_same_key_with_a_different_body_is_refused(client):
    token = citizen_token(client)
    client.submit(token, "sb-cbjfzm", certificate_values(), "k-reuse")
    with pytest.raises(CentralRefused) as err:
        client.submit(token, "sb-cbjfzm", certificate_values(purpose="落户"), "k-reuse")
    assert (err.value.status, err.value.reason) == (422, "idempotency_key_reused")


def test_a_replay_from_the_outbox_after_the_token_ended_returns_the_original_answer(central, client):
    token = citizen_token(client)
    first = client.submit(token, "sb-cbjfzm", certificate_values(), "k-outbox")
    client.revoke(token)
    c = SAMPLE_CITIZENS[0]
    again = client.submit(None, "sb-cbjfzm", certificate_values(), "k-outbox",
                          applicant={"name": c.name, "id_number": c.id_number})
    assert again == first and central.store.count_applications() == 1


def test_without_a_token_only_offline_ok_items_are_accepted(client):
    c = SAMPLE_CITIZENS[1]
    applicant = {"name": c.name, "id_number": c.id_number}
    values = {"name": c.name, "id_number": c.id_number, "purpose": "就业"}
    result = client.submit(None, "hz-hjzm", values, "k-offline", applicant=applicant)
    assert result.document.title == "户籍证明"
    with pytest.raises(CentralRefused) as err:
        client.submit(None, "sb-cbjfzm", certificate_values(1), "k-offline-2", applicant=applicant)
    assert (err.value.status, err.value.reason) == (403, "login_required")
    with pytest.raises(CentralRefused) as err:
        client.submit(None, "hz-hjzm", values, "k-offline-3")
    assert err.value.reason == "login_required"


def test_an_offline_applicant_must_be_a_known_citizen(client):
    values = {"name": "赵六", "id_number": "110101199003074514", "purpose": "就业"}
    with pytest.raises(CentralRefused) as err:
        client.submit(None, "hz-hjzm", values, "k-stranger", applicant={"name": "赵六",
                                                                       "id_number": "110101199003074514"})
    assert err.value.reason == "unknown_applicant"


@pytest.mark.parametrize("changes, reason", [
    ({"year_from": "2024", "year_to": "2018"}, "invalid_values"),
    ({"purpose": "炒股"}, "invalid_values"),
    ({"year_to": "abcd"}, "invalid_values"),
    ({"unexpected": "x"}, "invalid_values"),
    ({"id_number": SAMPLE_CITIZENS[2].id_number}, "applicant_mismatch"),
])
def test_values_that_break_the_form_rules_are_refused_with_a_reason(client, changes, reason):
    token = citizen_token(client)
    with pytest.raises(CentralRefused) as err:
        client.submit(token, "sb-cbjfzm", certificate_values(**changes), f"k-{reason}-{len(changes)}")
    assert (err.value.status, err.value.reason) == (422, reason)


def test_an_unknown_item_is_refused(client):
    with pytest.raises(CentralRefused) as err:
        client.submit(citizen_token(client), "no-such-item", {}, "k-unknown")
    assert (err.value.status, err.value.reason) == (404, "unknown_item")


def test_an_application_is_rated_once(client):
    token = citizen_token(client)
    number = client.submit(token, "sb-cbjfzm", certificate_values(), "k-rate").application_number
    client.rate(token, number, "very_satisfied", idempotency_key="rating-1")
    client.rate(token, number, "very_satisfied", idempotency_key="rating-1")  # a retry of the same rating
    with pytest.raises(CentralRefused) as err:
        client.rate(token, number, "dissatisfied", comment="太慢")
    assert (err.value.status, err.value.reason) == (409, "already_rated")


def test_a_rating_needs_a_known_application_and_one_of_five_levels(client):
    assert len(RATING_CODES) == 5
    with pytest.raises(CentralRefused) as err:
        client.rate(None, "34010020990101000001", "satisfied")
    assert err.value.reason == "unknown_application"
    with pytest.raises(ValueError):
        client.rate(None, "x", "great")


def test_help_requests_and_ratings_show_on_the_staff_page(central, client):
    token = citizen_token(client)
    number = client.submit(token, "sb-cbjfzm", certificate_values(), "k-staff").application_number
    client.rate(token, number, "dissatisfied", comment="打印机卡纸")
    help_id = client.help_request("citizen pressed 呼叫帮办")
    client.heartbeat({"printer": "paper_low", "paper": "low", "session_active": True, "outbox_depth": 2}, [])
    staff = central.staff()
    page = staff.page()
    assert TERMINAL_NAME in page and "纸将用完" in page and "citizen pressed" in page
    assert number in page and "不满意" in page and "打印机卡纸" in page
    staff.post(f"/staff/help/{help_id}/close")
    assert "citizen pressed" not in staff.page()


def test_staff_commands_reach_the_terminal_until_acknowledged(central, client):
    staff, path = central.staff(), "/staff/terminals/T-TEST-0001/commands"
    assert staff.post(path, kind="out_of_service").status_code == 200
    staff.post(path, kind="show_message", message="10分钟后暂停服务")
    first = client.heartbeat({}, [])
    assert [c.kind for c in first.commands] == ["out_of_service", "show_message"]
    assert first.commands[1].message == "10分钟后暂停服务"
    again = client.heartbeat({}, [])
    assert again.commands == first.commands           # delivered until acknowledged
    rest = client.heartbeat({}, [first.commands[0].id])
    assert [c.kind for c in rest.commands] == ["show_message"]
    assert client.heartbeat({}, [rest.commands[0].id]).commands == ()


def test_a_heartbeat_with_a_wrongly_typed_status_is_refused(client):
    with pytest.raises(CentralRefused) as err:
        client.heartbeat({"spool_depth": "many"}, [])
    assert err.value.status == 422


def test_everything_survives_a_restart_of_the_server(tmp_path, new_database):
    database = new_database()
    first = start_central(tmp_path / "c", database=database)
    client = first.client()
    token = citizen_token(client)
    result = client.submit(token, "sb-cbjfzm", certificate_values(), "k-restart")
    first.embedded.stop()
    second = start_central(tmp_path / "c", database=database)
    try:
        assert second.secret == first.secret
        again = second.client()
        assert again.verify(result.document.verification_code)["valid"]
        assert again.submit(None, "sb-cbjfzm", certificate_values(), "k-restart",
                            applicant={"name": "张伟", "id_number": "340102198503127314"}) == result
        assert second.store.count_applications() == 1
    finally:
        second.embedded.stop()


def test_a_nul_character_is_stored_as_a_replacement_and_a_lookup_with_one_finds_nothing(central, client):
    """PostgreSQL cannot hold U+0000 in text: the store keeps U+FFFD instead, on every store alike."""
    client.help_request("打印机\x00卡纸")
    assert central.store.open_help_requests()[-1].reason == "打印机\ufffd卡纸"
    assert client.verify("ABC\x00DEF")["valid"] is False


def test_a_clash_on_a_generated_code_is_answered_send_it_again_not_500(central, monkeypatch):
    """Two applications drew the same verification code (the unique key is on the code, not on the request's
    Idempotency-Key): the second is told to come again (503, Retry-After), and nothing half-made is kept."""
    import central_server.api as api

    monkeypatch.setattr(api.secrets, "choice", lambda alphabet: alphabet[0])     # every code the same
    client = central.client(max_retries=0)
    token = citizen_token(client)
    client.submit(token, "sb-cbjfzm", certificate_values(), "clash-1")
    with pytest.raises(CentralUnavailable) as unavailable:
        client.submit(token, "sb-cbjfzm", certificate_values(), "clash-2")
    assert unavailable.value.retry_after == 1.0 and "503" in str(unavailable.value)
    assert central.store.count_applications() == 1
    monkeypatch.undo()
    assert client.submit(token, "sb-cbjfzm", certificate_values(), "clash-2").application_number   # sent again
    assert central.store.count_applications() == 2
