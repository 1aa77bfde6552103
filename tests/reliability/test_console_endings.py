"""Every console command ends with a message, not a traceback: bad ports, a reader that goes away
(`| head`), Ctrl-C, and an unexpected error (the last safety net in kiosk.cli)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import cli

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}


def kiosk(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *argv], capture_output=True, text=True, env=ENV,
                          timeout=60, **kwargs)


@pytest.mark.parametrize("argv, words", [
    (["printer", "virtual", "--port", "70000", "--out", "x"], "--port: must be a port number from 0 to 65535"),
    (["printer", "virtual", "--port", "nine", "--out", "x"], "--port: must be a port number"),
    (["printer", "virtual", "--control-port", "-1", "--out", "x"], "--control-port: must be a port number"),
    (["printer", "virtual", "--width", "0", "--out", "x"], "--width: must be from 1 to 2048"),
    (["central", "serve", "--port", "99999", "--db", "x.db"], "--port: must be a port number"),
    (["central", "serve", "--device-interval", "0", "--db", "x.db"], "--device-interval: must be from 1"),
])
def test_out_of_range_numbers_are_refused_in_one_line(argv, words, tmp_path):
    done = kiosk(*argv, cwd=tmp_path)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_a_virtual_printer_on_a_port_in_use_says_so(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = kiosk("printer", "virtual", "--port", str(taken.getsockname()[1]), "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 1 and "cannot listen on" in done.stderr and "Traceback" not in done.stderr


def test_a_reader_that_goes_away_is_no_traceback(tmp_path):
    """`kiosk printer profiles | head -n 1`, with the pipe closed before the first line is written."""
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "printer", "profiles"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV, cwd=tmp_path)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err


def test_head_in_a_shell_pipeline(tmp_path):
    done = subprocess.run(f"{sys.executable} -m kiosk printer profiles | head -n 1", shell=True,
                          capture_output=True, text=True, env=ENV, cwd=tmp_path, timeout=60)
    assert done.stdout.count("\n") == 1 and "Traceback" not in done.stderr


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("argv, stream", [(["printer", "virtual", "--port", "0", "--out", "paper"], "stdout"),
                                          (["central", "serve", "--port", "0", "--db", "central.sqlite3"], "stderr")])
def test_ctrl_c_ends_a_server_command_quietly(argv, stream, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=ENV, cwd=tmp_path)
    try:
        first = getattr(proc, stream).readline()     # the line saying where it listens
        assert "127.0.0.1" in first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (0, 130) and "Traceback" not in err, err


def test_ctrl_c_ends_a_running_kiosk_quietly(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[terminal]\nid = "T-1"\nname = "n"\nhall = "h"\n[ui]\nfullscreen = false\nvoice = false\n'
                      '[data]\ndir = "var"\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_path)
    try:
        _wait_for(lambda: (tmp_path / "var" / "status.json").exists() or proc.poll() is not None)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_ctrl_c_inside_a_command_is_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("kiosk.commands._config_check", interrupted)
    assert cli.main(["config", "check"]) == 130
    assert capsys.readouterr().err.strip() == "kiosk: interrupted"


def test_an_unexpected_error_is_one_line_with_its_cause(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("the thing that broke")

    monkeypatch.setattr("kiosk.commands._config_check", broken)
    monkeypatch.delenv("KIOSK_DEBUG", raising=False)
    assert cli.main(["config", "check"]) == 70
    err = capsys.readouterr().err
    assert "RuntimeError: the thing that broke" in err and "Traceback" not in err and err.count("\n") == 1
