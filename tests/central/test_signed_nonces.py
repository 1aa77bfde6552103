"""How a server of several processes checks a signed request (nonces in the database), on both stores: a known
terminal's request verified first, then its row read and its nonce recorded in one statement (PostgreSQL);
nothing written for a forged request or a terminal nobody registered; the refusals in their order (timestamp,
terminal, signature, replay); a changed secret or a removed terminal noticed at once."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select

from central_server.app import close_app, create_app
from central_server.schema import seen_nonces, terminals
from central_server.storage import CentralStore
from kiosk.central.signing import sign_request

SECRET = b"n" * 64
NEW_SECRET = b"m" * 64
PATH = "/api/v1/heartbeat"
BODY = json.dumps({"status": {"version": "1"}, "acked": []}).encode()


@pytest.fixture
def app(new_database):
    database = new_database()
    store = CentralStore(database)
    store.register_terminal("T-N", "随机数终端", "大厅", SECRET)
    store.close()
    made = create_app(database, shared_nonces=True)
    yield made
    close_app(made)


def _post(app, headers: dict[str, str]):
    answer = app.test_client().post(PATH, data=BODY, headers={**headers, "Content-Type": "application/json"})
    return answer.status_code, (answer.get_json() or {}).get("error")


def _signed(terminal_id: str = "T-N", secret: bytes = SECRET) -> dict[str, str]:
    return sign_request(secret, terminal_id, "POST", PATH, BODY).as_dict()


def _nonces(app) -> list[tuple[str, str]]:
    with app.extensions["central"].store.connections.reading() as connection:
        return [tuple(row) for row in connection.execute(select(seen_nonces.c.terminal_id, seen_nonces.c.nonce))]


def test_a_heartbeat_reads_its_terminal_and_records_its_nonce_in_one_statement(app, store_kind):
    statements: list[str] = []
    event.listen(app.extensions["central"].store.engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_rest: statement.startswith(("BEGIN", "DELETE"))
                 or statements.append(statement))          # not counted: transactions begun, the background sweep
    headers = _signed()
    assert _post(app, headers) == (200, None)          # a first beat: the status is written
    statements.clear()
    assert _post(app, _signed()) == (200, None)        # unchanged: terminal and nonce, then the waiting commands
    if store_kind == "postgresql":
        assert len(statements) == 2
        assert "INSERT INTO seen_nonces" in statements[0] and "FROM terminals" in statements[0]
    else:
        assert len(statements) == 3
    assert (("T-N", headers["X-Nonce"]) in _nonces(app)) and len(_nonces(app)) == 2


def test_no_nonce_is_kept_for_a_terminal_nobody_registered(app):
    assert _post(app, _signed("T-NOBODY")) == (401, "unknown_terminal")
    assert _post(app, {**_signed("T-NOBODY"), "X-Timestamp": "12"}) == (401, "clock_skew")
    assert _nonces(app) == []


@pytest.mark.parametrize("warm", [False, True], ids=["first request", "secret known"])
def test_refusals_come_in_order_and_a_forged_request_writes_nothing(app, warm):
    if warm:
        assert _post(app, _signed()) == (200, None)
    before = _nonces(app)
    genuine = _signed()
    forged = {**genuine, "X-Signature": "0" * 64}
    assert _post(app, {**forged, "X-Timestamp": "12"}) == (401, "clock_skew")       # checked before anything
    assert _post(app, {**forged, "X-Terminal-Id": "T-NOBODY"}) == (401, "unknown_terminal")
    assert _post(app, forged) == (401, "bad_signature")
    assert _nonces(app) == before                                                   # a forged request wrote nothing
    assert _post(app, genuine) == (200, None)                                       # its nonce is still free
    assert _post(app, genuine) == (401, "replayed")                                 # a copy is not


def _change_terminal(app, secret: bytes | None) -> None:
    store = app.extensions["central"].store
    with store.transaction() as tx:
        query = terminals.delete() if secret is None else terminals.update().values(secret=secret.decode())
        tx.connection.execute(query.where(terminals.c.id == "T-N"))


def test_a_new_secret_is_used_at_once_and_the_old_one_refused(app):
    assert _post(app, _signed()) == (200, None)                    # this process now knows the secret
    _change_terminal(app, NEW_SECRET)
    assert _post(app, _signed()) == (401, "bad_signature")         # signed with the old one
    assert _post(app, _signed(secret=NEW_SECRET)) == (200, None)
    assert _post(app, _signed(secret=NEW_SECRET)) == (200, None)   # and now known


def test_a_removed_terminal_is_refused_at_once(app):
    assert _post(app, _signed()) == (200, None)
    _change_terminal(app, None)
    assert _post(app, _signed()) == (401, "unknown_terminal")
