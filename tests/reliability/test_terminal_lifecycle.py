"""The terminal as a factory of ready services: storage at once, central and printer after start(), all or none.

Real parts: the embedded reference central on 127.0.0.1 and the in-process virtual printer."""
from __future__ import annotations

import dataclasses
import socket
from urllib.parse import urlsplit

import pytest

from kiosk.config import embedded_defaults
from kiosk.receipt.profiles import ProfileError
from kiosk.terminal import NotStarted, Terminal


def test_storage_is_ready_at_once_and_central_only_after_start(tmp_path):
    terminal = Terminal(embedded_defaults(tmp_path))
    try:
        assert terminal.outbox.depth() == 0 and not terminal.started
        with pytest.raises(NotStarted, match="not started"):
            terminal.client
        terminal.start()
        assert terminal.started and terminal.has_catalog() and terminal.embedded is not None
    finally:
        terminal.stop()
    assert not terminal.started


def test_a_start_that_fails_half_way_leaves_nothing_running(tmp_path, monkeypatch):
    config = embedded_defaults(tmp_path)
    config = dataclasses.replace(config, printer=dataclasses.replace(config.printer, profile="no-such-printer"))
    started = []
    import kiosk.central.embedded as embedded_module
    original = embedded_module.start_embedded_central

    def spy(cfg):
        handle = original(cfg)
        started.append(handle)
        return handle
    monkeypatch.setattr(embedded_module, "start_embedded_central", spy)
    terminal = Terminal(config)
    with pytest.raises(ProfileError):
        terminal.start()
    assert not terminal.started
    [handle] = started
    parts = urlsplit(handle.base_url)
    with pytest.raises(OSError):                       # the embedded central was stopped again
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()
    terminal.stop()
