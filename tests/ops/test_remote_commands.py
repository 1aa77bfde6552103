"""Remote commands: kept across restarts, applied once and only between sessions, then acknowledged."""
from __future__ import annotations

import pytest

from kiosk.central.models import Command
from kiosk.errors import StoreError
from kiosk.shared.store import open_db
from kiosk.ops.audit import AuditLog
from kiosk.ops.remote_commands import KEEP_ACKNOWLEDGED_SECONDS, ApplyResult, CommandQueue, apply_due

RELOAD = Command(id="c-1", kind="reload_catalog")
RESTART = Command(id="c-2", kind="restart")
MESSAGE = Command(id="c-3", kind="show_message", message="今晚22:00系统维护")


def test_command_arriving_during_a_session_waits_for_its_end(db, clock):
    queue = CommandQueue(db, clock=clock)
    queue.receive([Command(id="c-9", kind="out_of_service", message="维护中")])
    assert queue.due(session_active=True) == []
    assert queue.due(session_active=True) == []      # still waiting, not lost
    assert queue.due(session_active=False) == [Command(id="c-9", kind="out_of_service", message="维护中")]


def test_commands_come_due_in_the_order_central_sent_them(db, clock):
    queue = CommandQueue(db, clock=clock)
    queue.receive([RELOAD, RESTART])
    queue.receive([MESSAGE])
    assert [c.id for c in queue.due(session_active=False)] == ["c-1", "c-2", "c-3"]


def test_a_command_seen_twice_is_applied_once(db, clock):
    queue = CommandQueue(db, clock=clock)
    assert queue.receive([RELOAD]) == [RELOAD]
    assert queue.receive([RELOAD]) == []               # central resent it before our ack arrived
    assert queue.due(session_active=False) == [RELOAD]
    queue.mark_applied(RELOAD.id)
    queue.mark_applied(RELOAD.id)                      # marking twice changes nothing
    assert queue.receive([RELOAD]) == []
    assert queue.due(session_active=False) == []
    assert queue.acks() == [RELOAD.id]


def test_restart_by_command_resumes_with_nothing_lost(db_path, clock):
    """The applier marks the restart applied, the process ends; the new process acknowledges it
    and still applies what came after it."""
    conn = open_db(db_path)
    queue = CommandQueue(conn, clock=clock)
    queue.receive([RELOAD, RESTART, MESSAGE])
    for command in queue.due(session_active=False):
        queue.mark_applied(command.id)
        if command.kind == "restart":
            break                                      # the process restarts here
    conn.close()

    reopened = open_db(db_path)
    queue = CommandQueue(reopened, clock=clock)
    assert queue.due(session_active=False) == [MESSAGE]   # the restart is not repeated
    assert queue.acks() == ["c-1", "c-2"]
    queue.acknowledged(queue.acks())
    assert queue.acks() == []
    assert queue.receive([RESTART]) == []               # a late duplicate from central is recognised
    reopened.close()


def test_acknowledging_only_affects_applied_commands(db, clock):
    queue = CommandQueue(db, clock=clock)
    queue.receive([RELOAD, RESTART])
    queue.mark_applied(RELOAD.id)
    queue.acknowledged(["c-1", "c-2", "unknown"])
    queue.mark_applied(RESTART.id)
    assert queue.acks() == ["c-2"]


def test_old_acknowledged_commands_are_pruned(db, clock):
    queue = CommandQueue(db, clock=clock)
    queue.receive([RELOAD])
    queue.mark_applied(RELOAD.id)
    queue.acknowledged([RELOAD.id])
    clock.advance(KEEP_ACKNOWLEDGED_SECONDS + 1)
    queue.acknowledged([])
    assert db.execute("SELECT COUNT(*) FROM remote_commands").fetchone()[0] == 0


def test_unknown_id_and_invalid_commands_are_refused(db, clock):
    queue = CommandQueue(db, clock=clock)
    with pytest.raises(KeyError, match="nope"):
        queue.mark_applied("nope")
    with pytest.raises(ValueError):
        queue.receive([Command(id="c-5", kind="format_disk")])
    with pytest.raises(ValueError):
        queue.receive([Command(id="", kind="restart")])
    assert queue.pending() == []


def test_receiving_and_applying_is_audited_as_central(db, clock):
    audit = AuditLog(db, clock=clock)
    queue = CommandQueue(db, clock=clock, audit=audit)
    queue.receive([RESTART])
    queue.mark_applied(RESTART.id)
    assert [(e.actor, e.action, e.detail) for e in reversed(audit.recent(5))] == [
        ("central", "command.received.restart", "id c-2"), ("central", "command.applied.restart", "id c-2")]


def _handlers(log: list, fail: set[str] = frozenset()):
    def handle(command: Command) -> None:
        if command.id in fail:
            raise StoreError("disk full while saving the catalogue")
        log.append(command.id)
    return {kind: handle for kind in ("reload_catalog", "out_of_service", "in_service", "show_message")}


def test_apply_due_applies_in_order_and_stops_at_a_restart_marked_applied_first(db, clock):
    queue = CommandQueue(db, clock=clock)
    queue.receive([RELOAD, RESTART, MESSAGE])
    done: list[str] = []
    result = apply_due(queue, session_active=False, handlers=_handlers(done))
    assert result.restart and [c.id for c in result.applied] == ["c-1", "c-2"] and done == ["c-1"]
    assert queue.acks() == ["c-1", "c-2"]                 # the restart is on record before the process ends
    again = apply_due(queue, session_active=False, handlers=_handlers(done))   # the restarted process
    assert not again.restart and [c.id for c in again.applied] == ["c-3"] and done == ["c-1", "c-3"]


def test_apply_due_does_nothing_during_a_session(db, clock):
    queue = CommandQueue(db, clock=clock)
    queue.receive([RESTART])
    assert apply_due(queue, session_active=True, handlers=_handlers([])) == ApplyResult()
    assert queue.acks() == [] and queue.due(session_active=False) == [RESTART]


def test_a_failing_command_stays_due_with_those_after_it(db, clock):
    audit = AuditLog(db, clock=clock)
    queue = CommandQueue(db, clock=clock, audit=audit)
    queue.receive([RELOAD, MESSAGE])
    done: list[str] = []
    result = apply_due(queue, session_active=False, handlers=_handlers(done, fail={"c-1"}))
    assert result.failed == RELOAD and result.applied == () and done == []
    assert [c.id for c in queue.due(session_active=False)] == ["c-1", "c-3"] and queue.acks() == []
    assert audit.recent(1)[0].action == "command.failed.reload_catalog"
    assert [c.id for c in apply_due(queue, False, _handlers(done)).applied] == ["c-1", "c-3"]


def test_apply_due_refuses_an_incomplete_set_of_handlers(db, clock):
    with pytest.raises(ValueError, match="show_message"):
        apply_due(CommandQueue(db, clock=clock), False, {"reload_catalog": print})
