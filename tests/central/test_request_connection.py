"""A request's statements share one pooled connection, on both stores: a heartbeat or a submission checks out
one connection however many statements it runs; a failed transaction leaves the next
statement a good connection; a PostgreSQL connection killed between requests or within one fails at most
the statement that met it; and the API opens no session (a cookie to read and sign)."""
from __future__ import annotations

import time

import psycopg
import pytest
from flask import request
from sqlalchemy import event, select

from central_server.schema import terminals
from central_server.storage import CentralStore
from kiosk.errors import StoreError

from .conftest import certificate_values, citizen_token
from .postgres import SUPERUSER
from .test_fleet_writes import STATUS


def _count_checkouts(store: CentralStore) -> list[int]:
    checkouts: list[int] = []
    event.listen(store.engine, "checkout", lambda *_args: checkouts.append(1))
    return checkouts


def test_a_request_checks_out_one_connection_however_many_statements_it_runs(central, client):
    token = citizen_token(client)
    checkouts = _count_checkouts(central.store)
    client.heartbeat(STATUS, [])                        # terminal, nonce, commands (and maybe the status)
    assert len(checkouts) == 1
    checkouts.clear()
    client.submit(token, "sb-cbjfzm", certificate_values(), "one-connection")   # reads and a transaction
    assert len(checkouts) == 1
    assert central.store.count_applications() == 1


def test_a_failed_transaction_is_rolled_back_and_the_next_statement_works(new_database):
    store = CentralStore(new_database())
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        store.connections.hold()
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.connection.execute(terminals.update().values(name="改名"))
            assert store.terminal("T-1").name == "改名"           # a read within it sees its write
            raise RuntimeError("the handler failed half-way")
        assert store.terminal("T-1").name == "1号"
        with store.transaction() as tx:
            tx.connection.execute(terminals.update().values(name="新名"))
        assert store.terminal("T-1").name == "新名"
        store.connections.release()
        assert store.terminal("T-1").name == "新名"
    finally:
        store.connections.release()
        store.close()


def _kill_central_connections(store: CentralStore) -> int:
    url = store.url
    with psycopg.connect(host=url.host, port=url.port, user=SUPERUSER, dbname="postgres",
                         autocommit=True) as admin:
        killed = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = 'kiosk-central' AND datname = %s", (url.database,)).fetchall()
        # The backends end a moment after the signal, and say so on their sockets: a request sent within those
        # milliseconds fails its first statement (the terminal sends it again). Between requests means after.
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = 'kiosk-central' "
                                 "AND datname = %s", (url.database,)).fetchall():
                break
            time.sleep(0.05)
    return len(killed)


@pytest.mark.parametrize("store_kind", ["postgresql"])
def test_connections_killed_between_requests_are_replaced_without_an_error(central, client):
    client.heartbeat(STATUS, [])
    assert _kill_central_connections(central.store) >= 1      # a restart, or an administrator's cleanup
    answer = client.heartbeat(STATUS, [])       # the checkout finds the server's farewell unread: reconnects
    assert answer.commands == ()


@pytest.mark.parametrize("store_kind", ["postgresql"])
def test_a_connection_killed_within_a_request_fails_that_statement_only(new_database):
    store = CentralStore(new_database())
    try:
        store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
        store.connections.hold()
        assert store.terminal("T-1") is not None
        _kill_central_connections(store)
        with pytest.raises(StoreError, match="terminat"):
            store.terminal("T-1")
        assert store.terminal("T-1") is not None                # the request's next statement: a new connection
        with store.transaction() as tx:
            tx.connection.execute(terminals.update().values(name="新名"))
        with store.connections.reading() as connection:
            assert connection.execute(select(terminals.c.name)).scalar_one() == "新名"
    finally:
        store.connections.release()
        store.close()


def test_the_api_opens_no_session_and_the_staff_pages_do(central):
    app = central.embedded.app
    for path, null in (("/api/v1/heartbeat", True), ("/oauth/token", True), ("/staff/login", False)):
        with app.test_request_context(path):
            opened = app.session_interface.open_session(app, request)
            assert app.session_interface.is_null_session(opened) is null, path


@pytest.mark.parametrize("store_kind", ["postgresql"])
def test_a_connection_on_a_descriptor_above_1024_is_checked_too(new_database):
    """A single-process server holding many terminals' connections gives PostgreSQL's sockets high numbers."""
    import socket

    held = []
    try:
        while len(held) < 1100:
            held.append(socket.socket())
        store = CentralStore(new_database())
        try:
            store.register_terminal("T-1", "1号", "大厅", b"s" * 64)
            assert store.engine.raw_connection().driver_connection.pgconn.socket >= 1024
            assert store.terminal("T-1") is not None
            _kill_central_connections(store)
            assert store.terminal("T-1") is not None            # found ended at checkout, replaced
        finally:
            store.close()
    finally:
        for each in held:
            each.close()
