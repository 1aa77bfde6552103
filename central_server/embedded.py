"""The reference server run inside the terminal's own process, on 127.0.0.1, for the demo.

Runs the real Flask app under werkzeug in a background thread; the terminal is registered with its secret."""
from __future__ import annotations

import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from central_server.app import DEFAULT_DEVICE_INTERVAL, close_app, create_app
from central_server.staff_auth import add_staff
from kiosk.central.signing import create_secret_file, load_secret

log = logging.getLogger(__name__)

DB_NAME = "central.sqlite3"
PORT_NAME = "port"   # the port of the last start, reused when free
DEMO_STAFF = "staff"                          # the demo hall page's login (province admin)
DEMO_STAFF_PASSWORD_NAME = "staff.password"   # its password, beside the database
SECRET_NAME = "terminal-secret"
SHUTDOWN_POLL = 0.1  # seconds; how quickly stop() is noticed


class QuietRequestHandler(WSGIRequestHandler):
    """Serves requests without writing an access-log line for each one to stderr."""

    def log_request(self, code="-", size="-") -> None:
        pass


@dataclass
class EmbeddedCentral:
    """A running embedded central: where it listens, the terminal's secret, and how to stop it."""
    base_url: str
    secret: bytes
    data_dir: Path
    server: BaseWSGIServer = field(repr=False)
    thread: threading.Thread = field(repr=False)
    app: Flask | None = field(repr=False)

    def stop(self) -> None:
        """Stop serving, wait for the thread, close the database. Safe to call twice."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(timeout=10)
        self.server.server_close()
        if self.app is not None:
            close_app(self.app)
            self.app = None


def _demo_staff_password(path: Path) -> str:
    """The demo hall page's password, made once and kept (mode 0600) beside the demo's database."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        password = secrets.token_urlsafe(9)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(password + "\n")
        return password


def _listen(port_file: Path, app) -> BaseWSGIServer:
    """A server on the port used last time (the hall page's address stays the same across restarts), or on a
    free one when that port is taken or none was kept; the port is kept for next time."""
    try:
        kept = int(port_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        kept = 0
    server = None
    if 1024 <= kept <= 65535:
        try:
            server = make_server("127.0.0.1", kept, app, threaded=True, request_handler=QuietRequestHandler)
        except OSError:
            log.info("embedded central: port %d is taken; using another", kept)
    if server is None:
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    try:
        port_file.write_text(f"{server.server_port}\n", encoding="ascii")
    except OSError as exc:   # a read-only data folder: the next start picks another port, nothing else changes
        log.warning("embedded central: cannot keep the port in %s: %s", port_file, exc.strerror or exc)
    return server


def start_embedded_central(data_dir: Path, terminal_id: str, terminal_name: str, hall: str, *,
                           device_interval: int = DEFAULT_DEVICE_INTERVAL, database: str | None = None,
                           **app_options) -> EmbeddedCentral:
    """Start the reference server on 127.0.0.1 (ephemeral port) with this terminal registered.

    Its data is in the SQLite file central.sqlite3 of `data_dir`, or in `database` (a URL) when given."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_path = data_dir / SECRET_NAME
    secret = load_secret(secret_path) if secret_path.exists() else create_secret_file(secret_path)
    app_options.setdefault("demo", True)    # the embedded central is the demo's: its phone simulator is on
    app = create_app(database or data_dir / DB_NAME, device_interval=device_interval, **app_options)
    store = app.extensions["central"].store
    store.register_terminal(terminal_id, terminal_name, hall, secret)
    add_staff(store, DEMO_STAFF, _demo_staff_password(data_dir / DEMO_STAFF_PASSWORD_NAME), "admin")
    server = _listen(data_dir / PORT_NAME, app)
    base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL},
                              name="embedded-central", daemon=True)
    thread.start()
    log.info("embedded central listening on %s", base_url)
    return EmbeddedCentral(base_url, secret, data_dir, server, thread, app)
