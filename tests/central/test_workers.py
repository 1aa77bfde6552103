"""The reference central under gunicorn with several worker processes on one database (SQLite and PostgreSQL):
it answers signed requests on keep-alive connections, and a copy of a signed request is refused as a replay
whichever worker receives it."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from central_server.storage import CentralStore
from kiosk.central.client import CentralClient
from kiosk.central.signing import sign_request

SECRET = b"w" * 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def workers(new_database, tmp_path):
    pytest.importorskip("gunicorn")
    database = new_database()
    store = CentralStore(database)
    store.register_terminal("T-W", "工作进程终端", "大厅", SECRET)
    store.close()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--db", database, "--port", str(port),
                               "--workers", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(base_url + "/api/v1/catalog", timeout=1)
            break
        except requests.ConnectionError:
            if server.poll() is not None:
                pytest.fail(f"central did not start: {server.stderr.read()[-2000:]}")
            time.sleep(0.2)
    yield base_url
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def test_several_workers_answer_on_kept_alive_connections(workers):
    client = CentralClient(workers, "T-W", SECRET, max_retries=0)
    try:
        for _ in range(20):
            answer = client.heartbeat({"version": "1", "uptime": 5, "printer": "ready", "paper": "ok",
                                       "spool_depth": 0, "outbox_depth": 0, "session_active": False,
                                       "out_of_service": False, "message": ""}, [])
            assert not answer.commands
    finally:
        client.close()
    session = requests.Session()
    first = session.get(workers + "/api/v1/catalog", timeout=5)
    assert first.status_code in (200, 401) and first.headers.get("Connection", "").lower() != "close"


def test_a_copied_request_is_refused_by_every_worker(workers):
    body = json.dumps({"status": {"version": "1"}, "acked": []}).encode()
    headers = {**sign_request(SECRET, "T-W", "POST", "/api/v1/heartbeat", body).as_dict(),
               "Content-Type": "application/json"}
    answers = []
    for _ in range(12):          # fresh connections: the copies land on different workers
        answers.append(requests.post(workers + "/api/v1/heartbeat", data=body, headers=headers, timeout=5))
    assert answers[0].status_code == 200
    assert [a.json()["error"] for a in answers[1:]] == ["replayed"] * 11
