"""Audit log: entries in order, actors checked, ID and mobile numbers masked before they are stored."""
from __future__ import annotations

import pytest

from kiosk.shared.store import open_db
from kiosk.ops.audit import AuditLog, mask_personal_data


def test_entries_come_back_newest_first_with_actor_action_detail_and_time(db, clock):
    audit = AuditLog(db, clock=clock)
    audit.record("system", "start")
    clock.advance(5)
    audit.record("staff", "printer.test_print", "paper 80 mm")
    clock.advance(5)
    audit.record("central", "command.applied.restart", "id c-1")
    recent = audit.recent(2)
    assert [(e.actor, e.action, e.detail) for e in recent] == [
        ("central", "command.applied.restart", "id c-1"), ("staff", "printer.test_print", "paper 80 mm")]
    assert recent[0].at == clock.now and recent[1].at == clock.now - 5
    assert len(audit.recent(100)) == 3 and audit.recent(0) == []


def test_id_and_mobile_numbers_are_masked_before_storing(db_path, clock):
    conn = open_db(db_path)
    AuditLog(conn, clock=clock).record(
        "staff", "reprint", "for 34010219520412123X, phone 13812345678, +8613987654321, app no. 2024-0001")
    raw = conn.execute("SELECT detail FROM audit_log").fetchone()[0]
    assert raw == "for 340102********123X, phone 138****5678, +86139****4321, app no. 2024-0001"
    conn.close()


@pytest.mark.parametrize("text, expected", [
    ("340102195204121234", "340102********1234"),
    ("id=340102195204121234;", "id=340102********1234;"),
    ("tel 15900001111 ok", "tel 159****1111 ok"),
    ("12812345678", "12812345678"),           # 12x is not a mobile prefix
    ("slip 20240101-0042", "slip 20240101-0042"),
    ("", ""),
    # a 20-digit application number is not an ID number (nor holds a phone number)
    ("application 34010020261203000123 accepted", "application 34010020261203000123 accepted"),
    ("application 34010020261203013800 accepted", "application 34010020261203013800 accepted"),
    # a checksum-valid ID number glued inside a longer run of digits is still masked
    ("ref 9934010219850312731477", "ref 99340102********731477"),
    ("+8613812345678", "+86138****5678"),
])
def test_masking_keeps_only_what_may_be_shown(text, expected):
    assert mask_personal_data(text) == expected


def test_personal_data_in_the_action_is_masked_too(db, clock):
    entry = AuditLog(db, clock=clock).record("staff", "lookup 13812345678")
    assert entry.action == "lookup 138****5678"


@pytest.mark.parametrize("actor, action", [("citizen", "x"), ("", "x"), ("staff", ""), ("staff", "  ")])
def test_unknown_actor_or_empty_action_is_refused(db, actor, action):
    with pytest.raises(ValueError):
        AuditLog(db).record(actor, action)
    assert AuditLog(db).recent(5) == []
