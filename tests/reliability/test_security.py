"""Security: no personal data in any log or audit line of a whole visit, TLS verification always on
against a real central, and a kiosk that refuses to start when its secret file is readable by others."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from central_server.app import close_app, create_app
from kiosk.central.client import CentralClient
from kiosk.central.errors import CentralUnavailable
from kiosk.central.signing import create_secret_file

from tests.reliability.conftest import CITIZEN, TERMINAL_ID, personal_data_in
from tests.reliability.visits import ONLINE_ITEM, form_values

REPO = Path(__file__).resolve().parents[2]


def test_the_scanner_finds_id_and_phone_numbers_but_not_application_numbers():
    assert set(personal_data_in("id 340102198503127314 ok")) == {"340102198503127314"}
    assert set(personal_data_in("call 13905511234")) == {"13905511234"}
    assert personal_data_in("applicant 张伟") == ["张伟"]
    assert personal_data_in("application 34010020260101000042 for item sb-cbjfzm") == []
    assert personal_data_in("masked 340102********7314 and 138****1234") == []


def test_a_whole_visit_leaves_no_personal_data_in_the_logs_or_the_audit_table(tmp_path):
    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "kiosk", "demo", "--headless", "--out", str(tmp_path / "out"),
                           "--data", str(data)], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    logs = sorted((data / "logs").glob("*"))
    lines = [line for path in logs for line in path.read_text(encoding="utf-8").splitlines()]
    assert any("application" in line for line in lines), "the visit should have been logged"
    audit = sqlite3.connect(data / "kiosk.sqlite3")
    try:
        has_audit = audit.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_log'").fetchone()
        lines += [f"{a} {d}" for a, d in audit.execute("SELECT action, detail FROM audit_log")] if has_audit else []
    finally:
        audit.close()
    lines += done.stderr.splitlines()
    leaks = [(line, personal_data_in(line)) for line in lines if personal_data_in(line)]
    assert not leaks, leaks[:5]


@pytest.fixture
def tls_central(tmp_path):
    """The reference central behind HTTPS with a self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    secret = create_secret_file(tmp_path / "secret")
    app = create_app(tmp_path / "central.sqlite3")
    store = app.extensions["central"].store
    store.register_terminal(TERMINAL_ID, "终端", "大厅", secret)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=(str(cert), str(key)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}", secret, cert, store
    server.shutdown()
    server.server_close()
    thread.join(5)
    close_app(app)


def test_a_self_signed_central_is_refused_and_nothing_is_sent(tls_central):
    url, secret, cert, store = tls_central
    client = CentralClient(url, TERMINAL_ID, secret, max_retries=0)
    try:
        assert client.session.verify is True
        with pytest.raises(CentralUnavailable, match="TLS verification of central failed"):
            client.catalog()
        with pytest.raises(CentralUnavailable, match="TLS"):
            client.login_with_code(CITIZEN.card_code)
    finally:
        client.close()
    assert store.count_applications() == 0


def test_the_same_central_is_reached_when_its_certificate_is_the_configured_ca_bundle(tls_central):
    url, secret, cert, store = tls_central
    client = CentralClient(url, TERMINAL_ID, secret, ca_bundle=str(cert), max_retries=0)
    try:
        catalog = client.catalog()
        token = client.login_with_code(CITIZEN.card_code)
        item = catalog.item(ONLINE_ITEM)
        client.submit(token, item.id, form_values(item, client.profile(token)), "tls-key-1")
    finally:
        client.close()
    assert store.count_applications() == 1


def test_no_code_turns_tls_verification_off():
    offenders = [str(p) for p in (REPO / "kiosk").rglob("*.py")
                 if "verify=False" in p.read_text(encoding="utf-8").replace(" ", "")
                 or ".verify=False" in p.read_text(encoding="utf-8").replace(" ", "")]
    assert offenders == []


def write_run_config(tmp_path: Path, secret: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"""
[terminal]
id = "{TERMINAL_ID}"
name = "终端"
hall = "大厅"
[central]
base_url = "https://central.invalid/api"
credentials_file = "{secret}"
[data]
dir = "data"
""", encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_the_kiosk_refuses_to_start_when_its_secret_file_is_readable_by_others(tmp_path, mode):
    secret = tmp_path / "terminal.secret"
    create_secret_file(secret)
    secret.chmod(mode)
    done = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(write_run_config(tmp_path, secret))],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2
    assert "refuses to start" in done.stderr and "readable by group or others" in done.stderr
    assert f"chmod 600 {secret}" in done.stderr and "Traceback" not in done.stderr


def test_the_terminal_itself_refuses_a_secret_file_readable_by_others(tmp_path):
    from kiosk.central.signing import SecretFileError
    from kiosk.config import load_config
    from kiosk.terminal import Terminal

    secret = tmp_path / "terminal.secret"
    create_secret_file(secret)
    secret.chmod(0o644)
    terminal = Terminal(load_config(write_run_config(tmp_path, secret)))
    try:
        with pytest.raises(SecretFileError, match="readable by group or others"):
            terminal.start()
    finally:
        terminal.stop()


def test_the_phone_simulator_exists_only_on_a_demo_central(tmp_path):
    production = create_app(tmp_path / "prod.sqlite3").test_client()
    for path in ("/phone", "/phone/citizens"):
        answer = production.get(path)
        assert answer.status_code == 404 and b"demo server" in answer.data
    assert production.post("/phone/approve", data={"user_code": "BCDF-GHJK", "citizen": "c1"}).status_code == 404
    demo = create_app(tmp_path / "demo.sqlite3", demo=True).test_client()
    assert demo.get("/phone").status_code == 200
    assert demo.get("/phone/citizens").status_code == 200
