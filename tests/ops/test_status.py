"""Status file and `kiosk status`: running, stale (hung) and not running told apart, against a real process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import pytest

from kiosk import cli
from kiosk.config import REPO_DIR
from kiosk.ops.commands import EXIT_NOT_RUNNING, EXIT_RUNNING, EXIT_STALE, EXIT_UNREADABLE, duration, render_status
from kiosk.ops.status_file import (NO_STATUS, NOT_RUNNING, RUNNING, STALE, UNREADABLE, StatusReading, StatusRecorder,
                                   TerminalStatus, process_start_ticks, read_status, status_path, write_status)

WRITER = textwrap.dedent("""
    import sys, time
    from kiosk.ops.status_file import StatusRecorder
    recorder = StatusRecorder(sys.argv[1], terminal_id="T-TEST-0007", interval=0.5)
    first = True
    while True:
        recorder.write(printer_state="paper_low", printer_detail="near end sensor", spool_depth=1,
                       outbox_depth=2, central_reachable=True, clock_offset=0.4,
                       last_heartbeat=time.time() - 12, session_active=True)
        if first:
            print("written", flush=True)
            first = False
        time.sleep(0.05)
""")


def _status(**changes) -> TerminalStatus:
    now = time.time()
    base = TerminalStatus(version="0.1.0", pid=os.getpid(), started_at=now - 3600, uptime=3600.0,
                          printer_state="ready", printer_detail="", spool_depth=0, outbox_depth=0,
                          central_reachable=True, clock_offset=0.2, last_heartbeat=now - 5, session_active=False,
                          out_of_service=False, out_of_service_message="", updated_at=now,
                          process_start=process_start_ticks(os.getpid()))
    return replace(base, **changes)


@pytest.fixture
def running_writer(config_file):
    """A real child process writing the status file every 0.05 s (declared interval 0.5 s)."""
    data_dir = config_file.parent / "var"
    env = dict(os.environ, PYTHONPATH=str(REPO_DIR))
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir)], stdout=subprocess.PIPE, text=True,
                             env=env)
    try:
        assert child.stdout.readline().strip() == "written"
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGCONT)
            child.kill()
        child.wait(5)
        child.stdout.close()


def _kiosk_status(config_file, capsys, *extra) -> tuple[int, str]:
    code = cli.main(["status", "--config", str(config_file), *extra])
    return code, capsys.readouterr().out


def test_kiosk_status_against_a_running_instance_then_a_hung_one_then_a_stopped_one(
        config_file, running_writer, capsys):
    code, out = _kiosk_status(config_file, capsys)
    assert code == EXIT_RUNNING
    assert out.startswith("kiosk T-TEST-0007: running")
    assert f"process {running_writer.pid}" in out
    assert "paper low: load a new roll soon (near end sensor)" in out
    assert "1 job waiting" in out and "2 requests waiting to be sent" in out
    assert "reachable; last heartbeat 12 s ago; clock offset +0.4 s" in out
    assert "citizen session: in progress" in out

    code, out = _kiosk_status(config_file, capsys, "--json")
    answer = json.loads(out)
    assert code == EXIT_RUNNING and answer["state"] == "running"
    assert answer["status"]["pid"] == running_writer.pid and answer["status"]["outbox_depth"] == 2

    running_writer.send_signal(signal.SIGSTOP)             # alive but no longer writing: hung
    time.sleep(1.8)
    code, out = _kiosk_status(config_file, capsys)
    assert code == EXIT_STALE and "STALE" in out and "may be hung" in out

    running_writer.send_signal(signal.SIGCONT)
    running_writer.terminate()
    running_writer.wait(5)
    code, out = _kiosk_status(config_file, capsys)
    assert code == EXIT_NOT_RUNNING
    assert out.startswith(f"kiosk T-TEST-0007: NOT RUNNING: process {running_writer.pid} is gone")
    assert "last known state" in out


def test_status_without_any_file_says_the_kiosk_has_not_run(config_file, capsys):
    code, out = _kiosk_status(config_file, capsys)
    assert code == EXIT_NOT_RUNNING and "NO STATUS" in out and "has not run" in out


def test_status_with_a_broken_config_exits_2_and_names_the_problem(config_file, capsys):
    config_file.write_text(config_file.read_text(encoding="utf-8").replace("[data]", "[dta]"), encoding="utf-8")
    assert cli.main(["status", "--config", str(config_file)]) == 2
    assert "dta" in capsys.readouterr().err


def test_written_status_reads_back_as_running(tmp_path):
    status = _status(out_of_service=True, out_of_service_message="打印机维修中")
    write_status(tmp_path, status)
    reading = read_status(tmp_path)
    assert reading.state == RUNNING and reading.ok and reading.status == status
    assert status_path(tmp_path).stat().st_mode & 0o777 == 0o644


def test_status_not_updated_for_three_intervals_is_stale(tmp_path):
    now = time.time()
    write_status(tmp_path, _status(updated_at=now - 14.9, write_interval=5.0))
    assert read_status(tmp_path, now=now).state == RUNNING
    write_status(tmp_path, _status(updated_at=now - 15.1, write_interval=5.0))
    reading = read_status(tmp_path, now=now)
    assert reading.state == STALE and not reading.ok and "15 s" in reading.problem


def test_status_of_a_process_that_has_ended_is_not_running(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    write_status(tmp_path, _status(pid=int(ended.stdout), process_start=None))
    assert read_status(tmp_path).state == NOT_RUNNING


def test_pid_reused_by_another_process_is_not_running(tmp_path):
    write_status(tmp_path, _status(process_start=process_start_ticks(os.getpid()) + 1))
    reading = read_status(tmp_path)
    assert reading.state == NOT_RUNNING and reading.status.pid == os.getpid()


@pytest.mark.parametrize("content, problem", [
    ("", "readable status"),
    ("{not json", "readable status"),
    ("[]", "not a JSON object"),
    ('{"version": "0.1.0"}', "lacks 'pid'"),
])
def test_unreadable_status_file_is_reported_not_guessed(tmp_path, content, problem):
    status_path(tmp_path).write_text(content)
    reading = read_status(tmp_path)
    assert reading.state == UNREADABLE and problem in reading.problem and reading.status is None


def test_status_with_a_wrong_type_is_unreadable(tmp_path):
    obj = _status().to_json()
    obj["spool_depth"] = "many"
    status_path(tmp_path).write_text(json.dumps(obj))
    reading = read_status(tmp_path)
    assert reading.state == UNREADABLE and "spool_depth" in reading.problem


def test_unreadable_file_gives_its_own_exit_code(config_file, capsys):
    (config_file.parent / "var").mkdir()
    status_path(config_file.parent / "var").write_text("garbage")
    code, out = _kiosk_status(config_file, capsys)
    assert code == EXIT_UNREADABLE and "UNREADABLE" in out


def test_missing_file_state(tmp_path):
    assert read_status(tmp_path).state == NO_STATUS


def test_recorder_fills_in_version_pid_uptime_and_times(tmp_path, clock):
    recorder = StatusRecorder(tmp_path, terminal_id="T-1", interval=5.0, clock=clock)
    clock.advance(42)
    written = recorder.write(outbox_depth=3, central_reachable=False)
    assert written.pid == os.getpid() and written.uptime == 42 and written.updated_at == clock.now
    assert written.terminal_id == "T-1" and written.outbox_depth == 3
    assert json.loads(status_path(tmp_path).read_text())["central_reachable"] is False


def test_rendering_warns_about_a_wrong_clock_and_out_of_service(clock):
    from kiosk.ops.status_file import StatusReading

    status = _status(clock_offset=-312.0, out_of_service=True, out_of_service_message="暂停服务",
                     central_reachable=False, last_heartbeat=None, printer_state="unknown")
    text = render_status(StatusReading(RUNNING, status, 1.0), now=status.updated_at)
    assert "OUT OF SERVICE: 暂停服务" in text
    assert "NOT REACHABLE" in text and "no heartbeat answered yet" in text
    assert "clock offset -312.0 s — CHECK THE TERMINAL'S CLOCK" in text
    assert "no answer from the printer (not the same as out of paper)" in text


@pytest.mark.parametrize("seconds, words", [(0, "0 s"), (59.9, "59 s"), (245, "4 min 5 s"), (11_520, "3 h 12 min"),
                                            (187_200, "2 d 4 h"), (-3, "0 s")])
def test_durations_read_naturally(seconds, words):
    assert duration(seconds) == words


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_kiosk_status_never_prints_infinity_or_nan(config_file, capsys, bad):
    data_dir = config_file.parent / "var"
    write_status(data_dir, _status(clock_offset=bad, last_heartbeat=bad))
    raw = status_path(data_dir).read_text()
    assert "Infinity" not in raw and "NaN" not in raw
    for extra in ((), ("--json",)):
        code, out = _kiosk_status(config_file, capsys, *extra)
        assert code == EXIT_RUNNING
        assert not {"inf", "Infinity", "nan", "NaN"} & set(out.replace(",", " ").split()), out
        assert "+inf" not in out and "Infinity" not in out


def test_a_status_file_holding_infinity_is_unreadable_not_printed(config_file, capsys):
    data_dir = config_file.parent / "var"
    write_status(data_dir, _status())
    path = status_path(data_dir)
    path.write_text(path.read_text().replace('"clock_offset": 0.2', '"clock_offset": Infinity'))
    code, out = _kiosk_status(config_file, capsys)
    assert code == EXIT_UNREADABLE and "not finite" in out and "Infinity" not in out


def test_duration_of_a_time_that_is_not_finite_is_unknown():
    assert duration(float("inf")) == duration(float("nan")) == "unknown"


def test_rendering_says_why_the_oldest_request_waits_and_how_many_slips_are_held(tmp_path):
    now = time.time()
    reading = StatusReading(RUNNING, _status(outbox_depth=2, outbox_waiting_since=now - 7200,
                                             outbox_last_error="central refused: clock_skew",
                                             undelivered_slips=1), 1.0)
    text = render_status(reading, now)
    assert "2 requests waiting to be sent; the oldest for 2 h" in text
    assert "central's last answer: central refused: clock_skew" in text
    assert "1 slip held for staff to reprint" in text


def test_a_status_file_of_an_older_version_without_the_waiting_fields_still_reads(tmp_path):
    status = _status()
    data = status.to_json()
    for name in ("outbox_waiting_since", "outbox_last_error", "undelivered_slips"):
        data.pop(name)
    (tmp_path / "status.json").write_text(json.dumps(data), encoding="utf-8")
    reading = read_status(tmp_path)
    assert reading.state == RUNNING and reading.status.undelivered_slips == 0
    assert "undelivered" not in render_status(reading)
