"""`kiosk status` never says "in service" while the screen is out of service, and a start-up failure is logged
with its cause (the file or key), not only an exception class."""
from __future__ import annotations

import dataclasses
import logging
import socket

from kiosk.central.signing import create_secret_file
from kiosk.core.session import Stage
from kiosk.ops.commands import render_status
from kiosk.ops.status_file import read_status
from tests.ui.conftest import kiosk_config, wait_until


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_config(tmp_path, secret_path):
    config = kiosk_config(tmp_path / "data")
    return dataclasses.replace(config, central=dataclasses.replace(
        config.central, base_url=f"http://127.0.0.1:{closed_port()}", credentials_file=str(secret_path),
        connect_timeout=0.3, read_timeout=0.5))


def test_status_says_out_of_service_while_central_is_unreachable(qapp, tmp_path):
    from kiosk.app import build_kiosk, show, shutdown

    secret_path = tmp_path / "terminal.secret"
    create_secret_file(secret_path)
    parts = build_kiosk(url_config(tmp_path, secret_path))
    c = parts.controller
    show(parts, fullscreen=False)
    c.start()
    try:
        wait_until(lambda: c.session.stage == Stage.OUT_OF_SERVICE, what="out of service")
        parts.operations.write_status()
        reading = read_status(c.config.data_dir)
        assert reading.status.out_of_service and "central" in reading.status.out_of_service_message
        text = render_status(reading)
        assert "OUT OF SERVICE" in text and "in service" not in text.replace("OUT OF SERVICE", "")
    finally:
        shutdown(parts)


def test_a_start_up_failure_is_logged_with_its_cause_and_shown_in_status(qapp, tmp_path, caplog):
    from kiosk.app import build_kiosk, show, shutdown

    secret_path = tmp_path / "terminal.secret"
    create_secret_file(secret_path)
    parts = build_kiosk(url_config(tmp_path, secret_path))
    secret_path.unlink()            # gone after the check, before the services start
    c = parts.controller
    show(parts, fullscreen=False)
    c.recovery_timer.stop()
    with caplog.at_level(logging.ERROR):
        c.start()
        wait_until(lambda: c.flow.start_failed, what="start-up failed")
    # Only this kiosk's lines: on a loaded machine a worker of an earlier test's kiosk may still log meanwhile.
    lines = [r.getMessage() for r in caplog.records
             if "failed to start" in r.getMessage() and str(secret_path) in r.getMessage()]
    try:
        assert lines and "does not exist" in lines[0], [r.getMessage() for r in caplog.records]
        parts.operations.write_status()
        reading = read_status(c.config.data_dir)
        assert reading.status.out_of_service and "startup" in reading.status.out_of_service_message, reading.status
    finally:
        shutdown(parts)


def test_status_names_the_oldest_waiting_request_and_its_last_answer(qapp, tmp_path):
    from kiosk.app import build_kiosk, shutdown

    secret_path = tmp_path / "terminal.secret"
    create_secret_file(secret_path)
    parts = build_kiosk(url_config(tmp_path, secret_path))
    try:
        outbox = parts.controller.terminal.outbox
        entry = outbox.add("submission", {"item_id": "si-cert"})
        outbox.record_attempt(entry.idempotency_key, "central refused: clock_skew")
        parts.operations.write_status()
        status = read_status(parts.controller.config.data_dir).status
        assert status.outbox_depth == 1 and status.outbox_last_error == "central refused: clock_skew"
        assert status.outbox_waiting_since is not None
        assert "central's last answer: central refused: clock_skew" in render_status(read_status(
            parts.controller.config.data_dir))
    finally:
        shutdown(parts)
