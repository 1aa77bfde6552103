"""What a province's fleet costs the database: a heartbeat that changes nothing only reads (a terminal's "last
seen" is kept a minute fresh), a changed status or an acknowledged command is written at once, only the latter
waiting for the disk; expired nonces are swept off the request's path. On both stores."""
from __future__ import annotations

import logging
import threading
import time

import psycopg
import pytest
from sqlalchemy import event, make_url, select
from sqlalchemy.dialects import postgresql

from central_server.nonces import SharedNonces
from central_server.database import COMMIT_WITHOUT_WAITING
from central_server.schema import seen_nonces
from central_server.storage import HEARTBEAT_WRITE_EVERY, CentralStore
from kiosk.errors import StoreError

from tests.central.conftest import FakeClock
from tests.central.postgres import SUPERUSER

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
        store.heartbeat("T-1", {**STATUS, "uptime": 664}, [])      # the same start: only the minute passed
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


def _statements(store: CentralStore) -> list[str]:
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_rest: seen.append(statement))
    return seen


def test_only_a_status_refresh_commits_without_waiting_for_the_disk(new_database, store_kind):
    """On PostgreSQL a beat that only refreshes status and "last seen" is one statement, the refresh and the read
    of waiting commands, committed without waiting for the disk (a crash may lose it; the next beat writes it
    again); a beat acknowledging a command is committed durably."""
    clock = FakeClock(1_800_000_000.0)
    store = CentralStore(new_database(), clock=clock)
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        command_id = store.queue_command("T-1", "restart")
        seen = _statements(store)
        assert [c.id for c in store.heartbeat("T-1", STATUS, [])] == [command_id]
        writes = [s for s in seen if "UPDATE" in s]
        if store_kind == "postgresql":
            assert len(seen) == 2 and seen[1] == writes[0]          # the terminal read, then the one statement
            assert "set_config" in writes[0] and "synchronous_commit" in str(COMMIT_WITHOUT_WAITING.compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        else:
            assert len(writes) == 1 and "set_config" not in writes[0]
        assert store.terminal("T-1").last_heartbeat == clock()
        seen.clear()
        clock.advance(1)
        store.heartbeat("T-1", STATUS, [command_id])
        assert [s for s in seen if "UPDATE" in s] and not [s for s in seen if "set_config" in s]
        assert store.pending_commands("T-1") == []
    finally:
        store.close()


class SlowSweepStore:
    """A store whose sweep of expired nonces waits until it is let go (a large table on a busy database)."""

    def __init__(self, store: CentralStore, fail: bool = False):
        self.store, self.fail = store, fail
        self.let_go, self.swept = threading.Event(), threading.Event()

    def forget_nonces(self, before: float) -> None:
        self.let_go.wait(10)
        try:
            if self.fail:
                raise StoreError("the database is gone")
            self.store.forget_nonces(before)
        finally:
            self.swept.set()

    def first_use_of_nonce(self, terminal_id: str, nonce: str, expires_at: float) -> bool:
        return self.store.first_use_of_nonce(terminal_id, nonce, expires_at)


def _first_use(nonces: SharedNonces, nonce: str, now: float, expires_at: float = 100.0) -> bool:
    return nonces.first_use("T-1", nonce, expires_at=expires_at, now=now)


def _nonces_left(store: CentralStore) -> list[str]:
    with store.transaction() as tx:
        return list(tx.connection.execute(select(seen_nonces.c.nonce).order_by(seen_nonces.c.nonce)).scalars())


def test_expired_nonces_are_swept_without_holding_up_a_request(new_database):
    store = CentralStore(new_database())
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        slow = SlowSweepStore(store)
        nonces = SharedNonces(slow)
        assert _first_use(nonces, "old", now=50.0)      # the first sweep starts, and waits
        assert not slow.swept.is_set()                  # the request did not wait for it
        assert not _first_use(nonces, "old", now=51.0)
        slow.let_go.set()
        assert slow.swept.wait(10)
        slow.swept.clear()
        assert _first_use(nonces, "new", now=200.0, expires_at=400.0)   # a later sweep drops "old"
        assert slow.swept.wait(10)
        assert _nonces_left(store) == ["new"]
    finally:
        store.close()


def test_a_failed_sweep_is_logged_and_refuses_no_request(new_database, caplog):
    store = CentralStore(new_database())
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        slow = SlowSweepStore(store, fail=True)
        slow.let_go.set()
        nonces = SharedNonces(slow)
        with caplog.at_level(logging.WARNING, logger="central_server.nonces"):
            assert _first_use(nonces, "n-1", now=50.0)
            assert slow.swept.wait(10)
            deadline = time.monotonic() + 5
            while not caplog.records and time.monotonic() < deadline:
                time.sleep(0.01)
        assert [r.getMessage() for r in caplog.records] == ["could not delete expired nonces"]
        assert _first_use(nonces, "n-2", now=51.0)
        assert _nonces_left(store) == ["n-1", "n-2"]
    finally:
        store.close()


def _wal_positions(admin: psycopg.Connection) -> tuple[int, int]:
    """PostgreSQL's WAL written so far and flushed to disk so far, in bytes."""
    written, flushed = admin.execute("SELECT pg_current_wal_insert_lsn() - '0/0', "
                                     "pg_current_wal_flush_lsn() - '0/0'").fetchone()
    return int(written), int(flushed)


@pytest.mark.parametrize("store_kind", ["postgresql"])
def test_a_status_refresh_returns_before_its_wal_is_flushed_and_an_acknowledgement_after(new_database):
    """What the server does, not what was asked: with the WAL writer made slow, a refresh returns while its WAL
    is still unflushed, and an acknowledgement only once it is flushed. (Any durable commit of a bystander flushes
    everything before it, so a refresh found flushed is tried again.) The test cluster commits without waiting
    by default; this database is given production's setting."""
    clock = FakeClock(1_800_000_000.0)
    database = new_database()
    url = make_url(database)
    admin = psycopg.connect(host=url.host, port=url.port, user=SUPERUSER, dbname=url.database, autocommit=True)
    admin.execute(f'ALTER DATABASE "{url.database}" SET synchronous_commit = on')
    store = CentralStore(database, clock=clock)
    try:
        admin.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
        admin.execute("SELECT pg_reload_conf()")
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        command_id = store.queue_command("T-1", "restart")
        unflushed = 0
        for attempt in range(3):
            clock.advance(HEARTBEAT_WRITE_EVERY)
            store.heartbeat("T-1", {**STATUS, "uptime": STATUS["uptime"] + attempt}, [])
            written, flushed = _wal_positions(admin)
            unflushed += written > flushed
        assert unflushed >= 1
        before, _ = _wal_positions(admin)
        store.heartbeat("T-1", STATUS, [command_id])
        assert _wal_positions(admin)[1] > before          # the acknowledgement's commit reached the disk
    finally:
        admin.execute("ALTER SYSTEM RESET wal_writer_delay")
        admin.execute("SELECT pg_reload_conf()")
        admin.close()
        store.close()


def test_a_refresh_within_a_transaction_leaves_that_transaction_durable(new_database, store_kind):
    """Called inside another transaction, the refresh joins it as an ordinary statement: set_config would
    otherwise let the whole transaction's commit skip the disk."""
    store = CentralStore(new_database())
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        seen = _statements(store)
        store.connections.hold()
        with store.transaction():
            store.heartbeat("T-1", STATUS, [])
        assert not [s for s in seen if "set_config" in s]
        assert store.terminal("T-1").last_heartbeat is not None
    finally:
        store.connections.release()
        store.close()
