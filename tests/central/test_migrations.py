"""The reference central's schema migrations (Alembic): an empty database is brought to the newest revision, the
revisions build exactly the tables schema.py declares, and a SQLite database made before migrations is adopted."""
from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from central_server.database import database_url, open_engine
from central_server.migrate import alembic_config, current_revision, head_revision, upgrade
from central_server.schema import metadata
from central_server.storage import CentralStore
from kiosk.cli import main

# What the server created before it had migrations (CREATE TABLE IF NOT EXISTS at every start).
SCHEMA_BEFORE_MIGRATIONS = {
    "terminals": "id TEXT PRIMARY KEY, name TEXT NOT NULL, hall TEXT NOT NULL, secret TEXT NOT NULL, "
                 "registered_at REAL NOT NULL, last_heartbeat REAL, status TEXT NOT NULL DEFAULT '{}'",
    "assisted_logins": "id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, citizen_id TEXT NOT NULL, "
                       "name_masked TEXT NOT NULL, id_masked TEXT NOT NULL, status TEXT NOT NULL, "
                       "staff TEXT NOT NULL DEFAULT '', token TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, "
                       "decided_at REAL",
    "staff_users": "username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, hall TEXT NOT NULL, "
                   "created_at REAL NOT NULL",
    "citizens": "id TEXT PRIMARY KEY, name TEXT NOT NULL, id_number TEXT NOT NULL UNIQUE, phone TEXT NOT NULL, "
                "card_code TEXT NOT NULL UNIQUE, note TEXT NOT NULL DEFAULT ''",
    "device_codes": "device_code_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, terminal_id TEXT NOT NULL, "
                    "signed INTEGER NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL, "
                    "interval REAL NOT NULL, last_poll REAL, scanned INTEGER NOT NULL DEFAULT 0, "
                    "status TEXT NOT NULL DEFAULT 'pending', citizen_id TEXT",
    "tokens": "token_hash TEXT PRIMARY KEY, citizen_id TEXT NOT NULL, terminal_id TEXT NOT NULL, "
              "issued_at REAL NOT NULL, expires_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0",
    "idempotent_answers": "terminal_id TEXT NOT NULL, key TEXT NOT NULL, endpoint TEXT NOT NULL, "
                          "request_hash TEXT NOT NULL, status_code INTEGER NOT NULL, body TEXT NOT NULL, "
                          "created_at REAL NOT NULL, PRIMARY KEY (terminal_id, key)",
    "applications": "number TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, item_id TEXT NOT NULL, "
                    "citizen_id TEXT NOT NULL, status TEXT NOT NULL, document TEXT NOT NULL, "
                    "verification_code TEXT NOT NULL UNIQUE, created_at REAL NOT NULL",
    "ratings": "application_number TEXT PRIMARY KEY REFERENCES applications(number), terminal_id TEXT NOT NULL, "
               "level TEXT NOT NULL, comment TEXT NOT NULL, created_at REAL NOT NULL",
    "help_requests": "id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, reason TEXT NOT NULL, "
                     "created_at REAL NOT NULL, closed_at REAL",
    "commands": "id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL, "
                "created_at REAL NOT NULL, acked_at REAL",
    "counters": "name TEXT PRIMARY KEY, value INTEGER NOT NULL",
}
LATER_TABLES = ("assisted_logins", "staff_users")   # added after the first release of the central


def _old_database(path: Path, leave_out: tuple[str, ...] = ()) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for name, columns in SCHEMA_BEFORE_MIGRATIONS.items():
            if name not in leave_out:
                conn.execute(f"CREATE TABLE {name} ({columns})")
        conn.execute("INSERT INTO terminals (id, name, hall, secret, registered_at) "
                     "VALUES ('T-OLD', '旧终端', '老大厅', 'old-secret', 1.0)")
        conn.execute("INSERT INTO tokens (token_hash, citizen_id, terminal_id, issued_at, expires_at, revoked) "
                     "VALUES ('h', 'C001', 'T-OLD', 1.0, 2.0, 1)")
        conn.execute("INSERT INTO counters (name, value) VALUES ('application', 41)")
    conn.close()


def _schema_differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)


def test_an_empty_database_is_brought_to_the_newest_revision_and_matches_the_declared_tables(new_database):
    engine = open_engine(database_url(new_database(empty=True)))
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
        assert _schema_differences(engine) == []
        upgrade(engine)                       # at every start: nothing left to do
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_every_revision_can_be_undone_and_done_again(new_database):
    engine = open_engine(database_url(new_database(empty=True)))
    try:
        upgrade(engine)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(engine)
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("leave_out", [(), LATER_TABLES], ids=["latest", "before-staff-logins"])
def test_a_sqlite_database_made_before_migrations_is_adopted_with_its_rows(tmp_path, leave_out):
    path = tmp_path / "central.sqlite3"
    _old_database(path, leave_out)
    store = CentralStore(path)
    try:
        assert current_revision(store.engine) == head_revision()
        terminal = store.terminal("T-OLD")
        assert terminal is not None and terminal.hall == "老大厅" and terminal.secret == "old-secret"
        assert store.token_citizen("t", "T-OLD") is None
        with store.transaction() as tx:
            assert tx.next_number("application") == 42      # the old counter goes on, numbers stay unique
        store.save_staff("li", "hash", "hall", "老大厅")        # a table the old database lacked, or had
        assert store.staff_user("li") is not None and len(store.citizens()) == 5
        found = inspect(store.engine)        # SQLite's own spelling of the types may differ; the columns may not
        for table in metadata.sorted_tables:
            assert [c["name"] for c in found.get_columns(table.name)] == [c.name for c in table.columns]
    finally:
        store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_kiosk_central_migrate_reports_the_revision(new_database, capsys):
    db = new_database(empty=True)
    assert main(["central", "migrate", "--db", db]) == 0
    assert main(["central", "migrate", "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"schema at revision {head_revision()}" in out[0] and "from before migrations" in out[0]
    assert "already there" in out[1]


def test_revision_0005_marks_the_known_terminals_that_need_care_from_their_last_status(new_database):
    engine = open_engine(database_url(new_database(empty=True)))
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0004")
            statuses = {"T-FINE": '{"paper": "ok", "printer": "ready", "out_of_service": false}',
                        "T-PAPER": '{"paper": "out", "printer": "ready", "out_of_service": false}',
                        "T-PAUSED": '{"paper": "ok", "printer": "ready", "out_of_service": true}',
                        "T-SILENT": "{}", "T-GARBLED": "{not json"}
            for terminal_id, status in statuses.items():
                connection.execute(text("INSERT INTO terminals (id, name, hall, secret, registered_at, status) "
                                        "VALUES (:id, 'n', 'h', 's', 1.0, :status)"), {"id": terminal_id, "status": status})
        upgrade(engine)
        with engine.connect() as connection:
            cared = dict(connection.execute(text("SELECT id, needs_care FROM terminals")).all())
        assert {k: bool(v) for k, v in cared.items()} == {"T-FINE": False, "T-PAPER": True, "T-PAUSED": True,
                                                          "T-SILENT": True, "T-GARBLED": True}
    finally:
        engine.dispose()


def test_the_database_may_come_from_the_environment_and_not_the_command_line(new_database, capsys, monkeypatch):
    """A URL with a password is kept out of `ps` by setting KIOSK_CENTRAL_DB (the systemd unit's env file)."""
    db = new_database(empty=True)
    monkeypatch.setenv("KIOSK_CENTRAL_DB", db)
    assert main(["central", "migrate"]) == 0
    assert f"schema at revision {head_revision()}" in capsys.readouterr().out
    monkeypatch.delenv("KIOSK_CENTRAL_DB")
    with pytest.raises(SystemExit) as refused:
        main(["central", "migrate"])
    assert refused.value.code == 2 and "--db" in capsys.readouterr().err
