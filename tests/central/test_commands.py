"""`kiosk login-check` against our server and against another RFC 8628 server; `kiosk central add-terminal`."""
from __future__ import annotations

import io
import re
import stat
import threading
import time
from pathlib import Path

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from central_server.storage import CentralStore
from kiosk.central.login_check import run_login_check
from kiosk.central.signing import load_secret
from kiosk.cli import main
from kiosk.config import embedded_defaults
from kiosk_devtools.phone import PhoneSimulator

from .conftest import TERMINAL_ID


class Output(io.StringIO):
    """Output that another thread can wait on."""

    def wait_for(self, pattern: str, timeout: float = 10.0) -> re.Match:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = re.search(pattern, self.getvalue())
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{pattern!r} never appeared in:\n{self.getvalue()}")


def _in_background(target):
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _minimal_rfc8628_server(decision: str):
    """Another vendor's authorization server: only the two RFC 8628 paths, no signatures, no extensions."""
    app = Flask("other-vendor")
    state = {"polls": 0}

    @app.post("/oauth/device_authorization")
    def authorize():
        assert request.form["client_id"] == "kiosk-check"
        return jsonify(device_code="dc-1", user_code="WDJB-MJHT", verification_uri="https://idp.invalid/device",
                       expires_in=60, interval=1)

    @app.post("/oauth/token")
    def token():
        assert request.form["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"
        state["polls"] += 1
        if state["polls"] < 2:
            return jsonify(error="authorization_pending"), 400
        if decision == "deny":
            return jsonify(error="access_denied"), 400
        return jsonify(access_token="at-1", token_type="bearer", expires_in=3600)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    _in_background(lambda: server.serve_forever(poll_interval=0.1))
    return server, state


@pytest.mark.parametrize("decision, code", [("approve", 0), ("deny", 1)])
def test_login_check_works_with_any_rfc_8628_server(tmp_path, decision, code):
    server, state = _minimal_rfc8628_server(decision)
    out = Output()
    try:
        rc = run_login_check(embedded_defaults(tmp_path), central_url=f"http://127.0.0.1:{server.server_port}",
                             client_id="kiosk-check", out=out, sleep=lambda s: time.sleep(min(s, 0.05)))
    finally:
        server.shutdown()
    assert rc == code and state["polls"] == 2
    assert "WDJB-MJHT" in out.getvalue() and "https://idp.invalid/device" in out.getvalue()
    if decision == "approve":
        assert "valid for 3600 s" in out.getvalue()
    else:
        assert "denied" in out.getvalue()


def test_login_check_on_the_embedded_central_reports_scan_and_approval(tmp_path):
    out = Output()

    def phone():
        url = out.wait_for(r"embedded central on (\S+);").group(1)
        user_code = out.wait_for(r"enter the code:\s+(\S+)").group(1)
        phone = PhoneSimulator(url)
        phone.scan(user_code)
        out.wait_for("已扫码")
        phone.approve(user_code, "C004")

    _in_background(phone)
    rc = run_login_check(embedded_defaults(tmp_path), out=out)
    assert rc == 0
    text = out.getvalue()
    assert "█" in text and "scanned" in text and "approved" in text and "valid for 900 s" in text


def test_login_check_against_nothing_fails_with_one_clear_line(tmp_path, capsys):
    rc = main(["login-check", "--central", "http://127.0.0.1:9", "--client-id", "x"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "cannot be reached" in err


def test_add_terminal_registers_it_and_writes_a_private_secret(tmp_path, capsys, new_database, store_kind):
    db, secret_file = new_database(), tmp_path / "keys" / "t7.secret"
    args = ["central", "add-terminal", "--db", db, "--id", "T-0007", "--name", "7号自助终端",
            "--hall", "示范区政务服务中心", "--secret-file", str(secret_file)]
    assert main(args) == 0
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    if store_kind == "sqlite":
        assert stat.S_IMODE(Path(db).stat().st_mode) == 0o600
    store = CentralStore(db)
    try:
        row = store.terminal("T-0007")
        assert row.hall == "示范区政务服务中心" and row.secret.encode() == load_secret(secret_file)
    finally:
        store.close()
    assert main(args) == 0  # again: the existing secret is reused, not replaced
    assert "registered" in capsys.readouterr().out


def test_add_terminal_refuses_a_secret_file_others_can_read(tmp_path, capsys):
    secret_file = tmp_path / "open.secret"
    secret_file.write_text("x" * 64)
    secret_file.chmod(0o644)
    rc = main(["central", "add-terminal", "--db", str(tmp_path / "c.db"), "--id", TERMINAL_ID, "--name", "n",
               "--hall", "h", "--secret-file", str(secret_file)])
    assert rc == 1 and "chmod 600" in capsys.readouterr().err


@pytest.mark.parametrize("db, words", [
    ("mysql://li:hunter2@db.example/central", "not mysql"),
    ("postgresql+psycopg2://li:hunter2@db.example/central", "driver psycopg2 is not supported"),
    ("postgresql+psycopg://li:hunter2@127.0.0.1:5432/", "names no database"),
    ("postgresql+psycopg://li:hunter2@127.0.0.1:port/central", "is not a database URL"),
    ("postgresql+psycopg://li:hunter2@127.0.0.1:9/central", "connection failed"),
    ("sqlite://", "needs a file"),
])
def test_a_database_the_central_cannot_use_is_refused_in_one_line_without_its_password(db, words, capsys):
    assert main(["central", "serve", "--port", "0", "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "hunter2" not in err, err


def test_without_the_reference_central_installed_kiosk_central_says_what_is_missing(monkeypatch, capsys):
    from kiosk import plugins

    monkeypatch.setattr(plugins, "load_all", lambda prefix: [])
    assert main(["central", "serve", "--db", "x.sqlite3"]) == 2
    err = capsys.readouterr().err
    assert "reference central, which is not installed on this machine" in err
    monkeypatch.undo()
    assert main(["central"]) == 2                          # installed: the usage of its actions
    assert "add-terminals" in capsys.readouterr().err
