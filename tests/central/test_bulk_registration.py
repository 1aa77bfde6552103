"""Registering a province's terminals at once: 4,300 from one CSV in one command (a secret file each, mode
0600), a JSON list too; a bad list names every bad line and registers nothing; on both stores."""
from __future__ import annotations

import json
import stat
import time

from central_server.storage import CentralStore
from kiosk.cli import main

PROVINCE = 4300


def test_a_provinces_4300_terminals_register_from_one_csv(new_database, tmp_path, capsys):
    database = new_database()
    listing = tmp_path / "terminals.csv"
    listing.write_text("id,name,hall\n" + "".join(f"T-{i:05d},{i % 40 + 1}号自助终端,第{i // 40 + 1}大厅\n"
                                                   for i in range(PROVINCE)), encoding="utf-8")
    started = time.monotonic()
    assert main(["central", "add-terminals", "--db", database, "--file", str(listing),
                 "--secrets-dir", str(tmp_path / "secrets")]) == 0
    seconds = time.monotonic() - started
    assert f"{PROVINCE} terminals registered" in capsys.readouterr().out
    store = CentralStore(database)
    try:
        assert len(store.terminals()) == PROVINCE and store.terminal("T-04299").hall == "第108大厅"
    finally:
        store.close()
    secret = tmp_path / "secrets" / "T-00007.secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_bytes().strip()) == 64
    assert seconds < 120, f"{seconds:.0f} s for {PROVINCE} terminals"      # one by one took 10 to 18 minutes


def test_a_json_list_registers_too(new_database, tmp_path):
    database = new_database()
    listing = tmp_path / "terminals.json"
    listing.write_text(json.dumps([{"id": "T-A", "name": "甲", "hall": "东厅"}, {"id": "T-B", "name": "乙",
                                                                                "hall": "西厅"}]), encoding="utf-8")
    assert main(["central", "add-terminals", "--db", database, "--file", str(listing),
                 "--secrets-dir", str(tmp_path / "s")]) == 0
    store = CentralStore(database)
    try:
        assert [t.id for t in store.terminals()] == ["T-A", "T-B"]
    finally:
        store.close()


def test_a_bad_list_names_every_bad_line_and_registers_nothing(new_database, tmp_path, capsys):
    database = new_database()
    listing = tmp_path / "terminals.csv"
    listing.write_text("id,name,hall\nT-1,一号,东厅\nT 2,二号,东厅\nT-3,,东厅\nT-1,又一号,西厅\n", encoding="utf-8")
    assert main(["central", "add-terminals", "--db", database, "--file", str(listing),
                 "--secrets-dir", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "line 4: name missing" in err and "line 5: id T-1 is listed twice" in err
    store = CentralStore(database)
    try:
        assert store.terminals() == []
    finally:
        store.close()
    assert not (tmp_path / "s").exists()


def test_a_known_terminal_keeps_its_secret_unless_new_secrets_are_asked_for(new_database, tmp_path, capsys):
    """The list run again with a fresh folder would give deployed terminals new secrets and lock them out."""
    database = new_database()
    listing = tmp_path / "terminals.csv"
    listing.write_text("id,name,hall\nT-1,1号,大厅\nT-2,2号,大厅\n", encoding="utf-8")
    first = tmp_path / "secrets"
    assert main(["central", "add-terminals", "--db", database, "--file", str(listing), "--secrets-dir", str(first)]) == 0
    installed = (first / "T-1.secret").read_bytes().strip()
    elsewhere = tmp_path / "another-folder"
    capsys.readouterr()
    assert main(["central", "add-terminals", "--db", database, "--file", str(listing),
                 "--secrets-dir", str(elsewhere)]) == 2
    err = capsys.readouterr().err
    assert "nothing registered: 2 terminals are registered already" in err and "T-1, T-2" in err
    assert not elsewhere.exists()
    store = CentralStore(database)
    try:
        assert store.terminal("T-1").secret.encode() == installed
    finally:
        store.close()
    assert main(["central", "add-terminals", "--db", database, "--file", str(listing), "--secrets-dir", str(first)]) == 0
    assert main(["central", "add-terminals", "--db", database, "--file", str(listing), "--secrets-dir", str(elsewhere),
                 "--new-secrets"]) == 0
    store = CentralStore(database)
    try:
        assert store.terminal("T-1").secret.encode() == (elsewhere / "T-1.secret").read_bytes().strip() != installed
    finally:
        store.close()
