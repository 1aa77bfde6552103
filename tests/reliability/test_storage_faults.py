"""Fault matrix, local storage rows: a full disk when writing the outbox, a corrupted config file and a
corrupted catalogue cache. Each fails with a clear, specific error and leaves nothing half-written."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.core.outbox import Outbox
from kiosk.shared.store import StoreError, open_db
from tests.reliability.conftest import ONLINE_ITEM, logged_in_visit

REPO = Path(__file__).resolve().parents[2]


def fill_disk(conn: sqlite3.Connection) -> None:
    """Make the database file unable to grow (as on a full disk), then use up every free byte of its
    pages, the outbox's own included (settled entries of earlier visits)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    n = 0
    for size in (2000, 200, 20, 0):
        try:
            while True:
                n += 1
                conn.execute("INSERT INTO outbox (idempotency_key, kind, payload, state, reference, created_at, "
                             "updated_at) VALUES (?, 'submission', '{}', 'done', ?, 0, 0)",
                             (f"filler-{n:08d}-0000-0000-000000000000", "x" * size))
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)


def free_disk(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA max_page_count = 1073741823")
    conn.execute("DELETE FROM outbox WHERE idempotency_key LIKE 'filler-%'")


def test_disk_full_when_writing_the_outbox_is_a_store_error_and_nothing_is_half_written(tmp_path):
    conn = open_db(tmp_path / "k.sqlite3")
    outbox = Outbox(conn)
    outbox.add("submission", {"item_id": "x", "values": {"a": "1"}}, "key-1")
    fill_disk(conn)
    with pytest.raises(StoreError, match="cannot write to the local database: database or disk is full"):
        outbox.add("submission", {"item_id": "x", "values": {"a": "长" * 3000}}, "key-2")
    assert outbox.get("key-2") is None and outbox.depth() == 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    free_disk(conn)
    assert outbox.add("submission", {"item_id": "x", "values": {"a": "长" * 3000}}, "key-2").state == "pending"


def test_disk_full_at_submit_sends_nothing_to_central(make_terminal, proxy, witness):
    terminal = make_terminal()
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    fill_disk(terminal.db)
    with pytest.raises(StoreError, match="disk is full"):
        terminal.submit(visit)
    assert proxy.count("POST", "/api/v1/submissions") == 0
    assert witness.applications() == [] and terminal.outbox.depth() == 0
    free_disk(terminal.db)
    terminal.submit(visit)                      # space freed: the same visit goes through once
    assert len(witness.applications()) == 1


def test_a_corrupted_config_names_the_file_and_the_kiosk_refuses_to_run_without_a_traceback(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'[terminal]\nid = "T-1"\nname = \xff\xfe\x00 broken\n[central\nbase_url = 12\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.problems[0]
    for command in (["config", "check", str(path)], ["run", "--config", str(path)]):
        done = subprocess.run([sys.executable, "-m", "kiosk", *command], capture_output=True, text=True,
                              cwd=REPO, timeout=60)
        assert done.returncode == 2, command
        assert str(path) in done.stderr and "Traceback" not in done.stderr


def test_a_config_with_wrong_values_lists_every_problem(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[terminal]\nid = "T-1"\nname = "n"\nhall = "h"\n[central]\nbase_url = "ftp://x"\n'
                    'read_timeout = -1\n[printer]\nconnection = "pigeon"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = "\n".join(caught.value.problems)
    for key in ("central.base_url", "central.read_timeout", "printer.connection"):
        assert key in text


def test_a_corrupted_catalogue_cache_is_dropped_and_reloaded_from_central(make_terminal, proxy, caplog):
    first = make_terminal()
    db_path = first.data_dir / "kiosk.sqlite3"
    first.stop()
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE catalog_cache SET body = '{\"version\": 3, \"items\": [tru'")
    raw.commit()
    raw.close()
    proxy.down()
    offline = make_terminal()
    assert offline.catalog.catalog is None and offline.central_reachable is False
    assert "cached catalogue is unreadable" in caplog.text
    offline.stop()
    proxy.up()
    again = make_terminal()
    assert again.catalog.catalog is not None and again.catalog.catalog.item(ONLINE_ITEM) is not None
