"""The reference central under uWSGI with several worker processes on one database (SQLite and PostgreSQL):
it answers signed requests on keep-alive connections, however many idle ones terminals keep open; a copy of a
signed request is refused as a replay whichever worker receives it; and stopping it leaves no process behind."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from central_server.app import close_app, create_app
from central_server.storage import CentralStore
from kiosk.central.client import CentralClient
from kiosk.central.signing import sign_request

SECRET = b"w" * 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _uwsgi_processes(port: int) -> list[str]:
    listed = subprocess.run(["pgrep", "-f", f"pyuwsgi.*--http 127.0.0.1:{port} "], capture_output=True, text=True)
    return listed.stdout.split()


@pytest.fixture
def served(new_database, tmp_path):
    """`kiosk central serve --workers 3 --threads 2` on a free port: (its base URL, the process, its log)."""
    pytest.importorskip("pyuwsgi")
    database = new_database()
    store = CentralStore(database)
    store.register_terminal("T-W", "工作进程终端", "大厅", SECRET)
    store.close()
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--db", database, "--port",
                                   str(port), "--workers", "3", "--threads", "2"], stdout=output, stderr=subprocess.STDOUT, text=True,
                                  cwd=tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(base_url + "/api/v1/catalog", timeout=1)
            break
        except requests.RequestException:       # refused, or accepted by the router before a worker is up
            if server.poll() is not None:
                pytest.fail(f"central did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    yield base_url, server, log
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        pytest.fail(f"central did not stop on SIGTERM within 30 s: {log.read_text()[-2000:]}")
    _assert_none_left(port, "stopped with SIGTERM")


@pytest.fixture
def workers(served) -> str:
    return served[0]


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


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_idle_kept_alive_connections_beyond_the_threads_hold_up_no_request(workers):
    """A province's terminals each keep a connection open between heartbeats: far more connections than the
    workers have threads (3 x 2 here). The router holds idle ones; they never stand in a heartbeat's way."""
    host, port = workers.removeprefix("http://").split(":")
    idle = []
    try:
        for _ in range(200):
            connection = socket.create_connection((host, int(port)), timeout=5)
            connection.sendall(f"GET /api/v1/catalog HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            assert connection.recv(4096).startswith(b"HTTP/1.1 401")      # answered, and left open
            idle.append(connection)
        client = CentralClient(workers, "T-W", SECRET, max_retries=0, read_timeout=3)
        try:
            started = time.monotonic()
            assert client.heartbeat({"version": "1"}, []).commands == ()
            assert time.monotonic() - started < 2
        finally:
            client.close()
        idle[0].sendall(f"GET /api/v1/catalog HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert idle[0].recv(4096).startswith(b"HTTP/1.1 401")            # an idle one is still served
    finally:
        for connection in idle:
            connection.close()


def _start_serving(database: str, port: int, folder: Path,
                   until: Callable[[subprocess.Popen], bool]) -> subprocess.Popen:
    """`kiosk central serve` with 2 workers, once `until` holds for it (checked every millisecond, 30 s at most);
    its temporary folder (what a killed one leaves) goes in `folder`."""
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--db", database, "--port",
                               str(port), "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=folder, env={**os.environ, "TMPDIR": str(folder)})
    deadline = time.monotonic() + 30
    while not until(server) and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    if not until(server):
        server.kill()
        pytest.fail(f"the central did not get that far in 30 s (exit status {server.wait()})")
    return server


def _assert_none_left(port: int, what: str) -> None:
    deadline = time.monotonic() + 20
    while _uwsgi_processes(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _uwsgi_processes(port)
    for pid in left:        # not into the rest of the suite
        os.kill(int(pid), signal.SIGKILL)
    assert not left, f"{what}: uWSGI processes left running"


def _answers(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/api/v1/catalog", timeout=1)
        return True
    except requests.RequestException:
        return False


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_stopping_mid_start_leaves_no_process_behind(new_database, tmp_path):
    """SIGTERM while the workers still load their app (they ignore a graceful stop then) still stops all of it."""
    pytest.importorskip("pyuwsgi")
    database = new_database()
    CentralStore(database).close()
    port = free_port()
    server = _start_serving(database, port, tmp_path, until=lambda _: bool(_uwsgi_processes(port)))
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    _assert_none_left(port, "terminated at once")


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:     # it has ended
        return []


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_a_parent_killed_at_any_moment_of_the_start_leaves_no_process_behind(new_database, tmp_path):
    """When the serving command itself is killed, uWSGI follows instead of running on unowned, whatever it was
    doing: starting Python, binding, forking its router and workers, or serving. Its master once missed the news
    while Python, not yet uWSGI, held the signal's handler: 3 kills in 300 during a start left it running, all
    within the first 0.1 s of its life. So the kills here come every 4 ms of that."""
    pytest.importorskip("pyuwsgi")
    database = new_database()
    CentralStore(database).close()
    for moment in range(0, 100, 4):
        port = free_port()
        server = _start_serving(database, port, tmp_path, until=lambda started: bool(_children(started.pid)))
        time.sleep(moment / 1000)
        server.kill()
        server.wait(timeout=30)
        _assert_none_left(port, f"killed {moment} ms after uWSGI's start")
    port = free_port()
    server = _start_serving(database, port, tmp_path, until=lambda _: _answers(port))
    server.kill()
    server.wait(timeout=30)
    _assert_none_left(port, "killed while serving")


def test_a_copy_sent_to_another_worker_process_is_refused(new_database):
    """Two apps on one database, as two uWSGI workers are: the copy reaches the other one for certain."""
    database = new_database()
    store = CentralStore(database)
    store.register_terminal("T-W", "工作进程终端", "大厅", SECRET)
    store.close()
    first, second = create_app(database, shared_nonces=True), create_app(database, shared_nonces=True)
    try:
        body = json.dumps({"status": {"version": "1"}, "acked": []}).encode()
        headers = {**sign_request(SECRET, "T-W", "POST", "/api/v1/heartbeat", body).as_dict(),
                   "Content-Type": "application/json"}
        assert first.test_client().post("/api/v1/heartbeat", data=body, headers=headers).status_code == 200
        copy = second.test_client().post("/api/v1/heartbeat", data=body, headers=headers)
        assert copy.status_code == 401 and copy.get_json()["error"] == "replayed"
    finally:
        close_app(first)
        close_app(second)


def test_more_threads_than_a_workers_database_pool_keeps_are_refused(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kiosk", "central", "serve", "--db", str(tmp_path / "c.sqlite3"),
                           "--port", str(free_port()), "--workers", "2", "--threads", "10"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--threads 10: at most 9" in done.stderr
