"""sd_notify: datagrams reach a real AF_UNIX socket (path or abstract '@' name); no socket means no-op."""
from __future__ import annotations

import os
import socket
import tempfile
import uuid
from pathlib import Path

import pytest

from kiosk.ops import sdnotify


@pytest.fixture
def listener(monkeypatch):
    """A datagram socket bound to a short path (AF_UNIX paths are limited to 108 bytes), as systemd's."""
    with tempfile.TemporaryDirectory(prefix="sdn") as folder:
        path = str(Path(folder) / "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        yield sock
        sock.close()


def test_ready_watchdog_status_and_stopping_reach_the_socket(listener):
    assert sdnotify.ready()
    assert sdnotify.watchdog()
    assert sdnotify.status("printer: paper low\nspool: 2")
    assert sdnotify.stopping()
    received = [listener.recv(4096).decode() for _ in range(4)]
    assert received == ["READY=1", "WATCHDOG=1", "STATUS=printer: paper low spool: 2", "STOPPING=1"]


def test_abstract_namespace_address_is_used_when_it_starts_with_at(monkeypatch):
    name = f"kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.notify("READY=1")
        assert sock.recv(100) == b"READY=1"


def test_without_notify_socket_every_call_is_a_quiet_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.ready() is False
    assert sdnotify.watchdog() is False


def test_socket_that_nobody_listens_on_returns_false_without_raising(monkeypatch, tmp_path):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert sdnotify.ready() is False


def test_unsupported_address_kind_is_ignored(monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", "vsock:2:1234")
    assert sdnotify.ready() is False


@pytest.mark.parametrize("usec, pid, expected", [
    ("30000000", None, 30.0),
    ("30000000", "self", 30.0),
    ("30000000", "1", None),          # the watchdog is meant for another process
    ("", None, None),
    ("0", None, None),
    ("thirty", None, None),
])
def test_watchdog_interval_follows_sd_watchdog_enabled(monkeypatch, usec, pid, expected):
    monkeypatch.setenv("WATCHDOG_USEC", usec)
    if pid is None:
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
    else:
        monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()) if pid == "self" else pid)
    assert sdnotify.watchdog_interval() == expected


def test_keepalive_period_is_half_the_watchdog_timeout(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert sdnotify.keepalive_period() == 15.0
    monkeypatch.delenv("WATCHDOG_USEC")
    assert sdnotify.keepalive_period() is None
