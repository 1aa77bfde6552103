"""Remote commands in a running kiosk: they wait for the citizen's visit to end; a restart comes back.

The restart test runs the real `kiosk run` process and queues the command at the embedded central."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.central.models import Command
from kiosk.core.session import EndReason, Stage

REPO = Path(__file__).resolve().parents[2]


def test_a_command_arriving_during_a_visit_waits_for_its_end(kiosk_parts, qtbot):
    controller, operations = kiosk_parts.controller, kiosk_parts.operations
    controller.begin_login()
    operations.queue.receive([Command(id="C-1", kind="out_of_service", message="系统升级")])
    operations.apply_commands()
    assert controller.session.stage == Stage.LOGIN
    assert operations.queue.acks() == []
    controller.end_visit(EndReason.CITIZEN)
    qtbot.waitUntil(lambda: controller.session.stage == Stage.OUT_OF_SERVICE, timeout=5000)
    assert operations.queue.acks() == ["C-1"]
    assert "系统升级" in kiosk_parts.window.out_of_service.reason.text()


def test_in_service_and_show_message_commands_apply_between_visits(kiosk_parts, qtbot):
    controller, operations = kiosk_parts.controller, kiosk_parts.operations
    operations.queue.receive([Command(id="C-2", kind="out_of_service", message="维护"),
                              Command(id="C-3", kind="in_service"),
                              Command(id="C-4", kind="show_message", message="今日 18:00 后仅提供自助打印")])
    operations.apply_commands()
    assert controller.session.stage == Stage.HOME
    assert "18:00" in kiosk_parts.window.notice.text()
    assert sorted(operations.queue.acks()) == ["C-2", "C-3", "C-4"]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def test_restart_command_restarts_the_process_and_is_acknowledged(tmp_path):
    from central_server.storage import CentralStore

    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('dir = "var"', f'dir = "{tmp_path / "data"}"')
    text = text.replace("read_timeout = 10.0", "read_timeout = 10.0\nheartbeat_interval = 1.0")
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    store = CentralStore(tmp_path / "data" / "central" / "central.sqlite3")
    command_id = store.queue_command("T-DEMO-0001", "restart")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    status_path = tmp_path / "data" / "status.json"
    try:
        first = wait_for(lambda: read_json(status_path), 30, "the first status file")
        second = wait_for(lambda: (s := read_json(status_path)) and s["started_at"] != first["started_at"] and s,
                          60, "the process to come back after the restart command")
        assert second["pid"] == process.pid          # exec'd in place: a supervisor keeps tracking it
        acked = wait_for(lambda: command_id not in {c.id for c in store.pending_commands("T-DEMO-0001")}, 30,
                         "the restart to be acknowledged")
        assert acked
        assert process.poll() is None
        status = subprocess.run([sys.executable, "-m", "kiosk", "status", "--config", str(config)], cwd=REPO,
                                capture_output=True, text=True, timeout=30)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "T-DEMO-0001" in status.stdout and str(process.pid) in status.stdout
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, process.stderr.read().decode(errors="replace")[-2000:]
