"""Service mode: out of service with a message survives a restart; every change is audited with its actor."""
from __future__ import annotations

import pytest

from kiosk.shared.store import open_db
from kiosk.ops.audit import AuditLog
from kiosk.ops.service_state import MAX_MESSAGE_CHARS, ServiceState


def test_a_new_terminal_is_in_service_without_a_notice(db, clock):
    mode = ServiceState(db, clock=clock).current()
    assert not mode.out_of_service and mode.message == "" and mode.notice == ""


def test_out_of_service_with_its_message_survives_a_restart(db_path, clock):
    conn = open_db(db_path)
    ServiceState(conn, clock=clock).set_out_of_service("打印机维修中，\n请使用2号终端", actor="staff")
    conn.close()
    reopened = open_db(db_path)
    mode = ServiceState(reopened, clock=clock).current()
    assert mode.out_of_service and mode.message == "打印机维修中， 请使用2号终端"
    assert mode.changed_by == "staff" and mode.changed_at == clock.now
    reopened.close()


def test_back_in_service_clears_the_message_and_notice_is_separate(db, clock):
    state = ServiceState(db, clock=clock)
    state.set_out_of_service("维护", actor="central")
    state.show_notice("今晚22:00系统维护", actor="central")
    mode = state.set_in_service(actor="staff")
    assert not mode.out_of_service and mode.message == "" and mode.notice == "今晚22:00系统维护"
    assert state.show_notice("", actor="staff").notice == ""


def test_changes_are_audited_with_who_made_them(db, clock):
    audit = AuditLog(db, clock=clock)
    state = ServiceState(db, clock=clock, audit=audit)
    state.set_out_of_service("维护", actor="central")
    state.set_in_service(actor="staff")
    assert [(e.actor, e.action) for e in reversed(audit.recent(5))] == [("central", "service.out"),
                                                                        ("staff", "service.in")]


def test_overlong_message_and_unknown_actor_are_refused(db, clock):
    state = ServiceState(db, clock=clock)
    with pytest.raises(ValueError, match=str(MAX_MESSAGE_CHARS)):
        state.set_out_of_service("维" * (MAX_MESSAGE_CHARS + 1), actor="staff")
    with pytest.raises(ValueError, match="actor"):
        state.set_in_service(actor="citizen")
    assert not state.current().out_of_service
