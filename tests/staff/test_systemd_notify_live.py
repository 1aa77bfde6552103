"""A running kiosk tells systemd it is ready once home is painted, and keeps the watchdog fed from the event loop.

The test plays systemd: a real AF_UNIX datagram socket in NOTIFY_SOCKET, WATCHDOG_USEC of one second."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_kiosk_sends_ready_then_watchdog_keepalives(tmp_path):
    text = (REPO / "config.toml").read_text(encoding="utf-8").replace('dir = "var"', f'dir = "{tmp_path / "data"}"')
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    sock_path = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(sock_path)
    listener.settimeout(1.0)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "1000000"}
    env.pop("WATCHDOG_PID", None)
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    messages = []
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and messages.count("WATCHDOG=1") < 3:
            try:
                messages.extend(listener.recv(4096).decode().split("\n"))
            except socket.timeout:
                continue
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        listener.close()
    assert "READY=1" in messages
    assert messages.count("WATCHDOG=1") >= 3
    assert messages.index("READY=1") < len(messages) - 1
