"""What a province's fleet costs the database: a heartbeat that changes nothing only reads (a terminal's "last
seen" is kept a minute fresh), a changed status or an acknowledged command is written at once; on both stores."""
from __future__ import annotations

from central_server.storage import HEARTBEAT_WRITE_EVERY, CentralStore

from tests.central.conftest import FakeClock

STATUS = {"version": "1", "uptime": 600, "printer": "ready", "paper": "ok", "spool_depth": 0, "outbox_depth": 0,
          "session_active": False, "out_of_service": False, "message": ""}


def test_an_unchanged_heartbeat_is_not_written_until_a_minute_has_passed(new_database):
    clock = FakeClock(1_800_000_000.0)
    store = CentralStore(new_database(), clock=clock)
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        store.heartbeat("T-1", STATUS, [])
        first = store.terminal("T-1").last_heartbeat
        for beat in range(1, 3):                          # 30 s apart, the uptime growing with the clock
            clock.advance(30 if beat == 1 else HEARTBEAT_WRITE_EVERY - 31)
            store.heartbeat("T-1", {**STATUS, "uptime": 600 + 30 * beat}, [])
        assert store.terminal("T-1").last_heartbeat == first
        clock.advance(5)
        store.heartbeat("T-1", {**STATUS, "uptime": 700}, [])
        assert store.terminal("T-1").last_heartbeat == clock()     # a minute on: written
        clock.advance(1)
        store.heartbeat("T-1", {**STATUS, "uptime": 701, "paper": "low"}, [])
        terminal = store.terminal("T-1")
        assert terminal.last_heartbeat == clock() and '"paper": "low"' in terminal.status
    finally:
        store.close()


def test_an_acknowledged_command_is_written_at_once(new_database):
    clock = FakeClock(1_800_000_000.0)
    store = CentralStore(new_database(), clock=clock)
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        store.heartbeat("T-1", STATUS, [])
        command_id = store.queue_command("T-1", "restart")
        assert [c.id for c in store.heartbeat("T-1", STATUS, [])] == [command_id]
        clock.advance(1)
        assert store.heartbeat("T-1", STATUS, [command_id]) == []
    finally:
        store.close()
