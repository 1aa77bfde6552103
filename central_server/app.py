"""The reference central server's Flask app factory: state, blueprints, JSON errors, server time.

`create_app(database)` gives a WSGI app implementing docs/central-api.yaml plus the phone, staff and verify pages."""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from central_server.auth import ApiError, is_api_path, json_response
from central_server.documents import SAMPLE_CATALOG_PATH, ServedCatalog, load_catalog
from central_server.storage import CentralStore
from kiosk.central.signing import DEFAULT_WINDOW

log = logging.getLogger(__name__)

DEFAULT_DEVICE_INTERVAL = 1
DEFAULT_DEVICE_CODE_LIFETIME = 300
DEFAULT_TOKEN_LIFETIME = 900
MAX_BODY = 1024 * 1024
TEMPLATES = Path(__file__).resolve().parent / "data" / "templates"


@dataclass
class CentralState:
    """What every request handler shares: storage, catalogue and the server's settings."""
    store: CentralStore
    catalog: ServedCatalog
    catalog_path: Path
    public_base_url: str | None
    device_interval: int
    device_code_lifetime: int
    token_lifetime: int
    signature_window: float
    clock: Callable[[], float]

    def public_base(self) -> str:
        """The base URL citizens' phones and printed slips use: configured, else the one asked for."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return request.host_url.rstrip("/")

    def reload_catalog(self) -> None:
        self.catalog = load_catalog(self.catalog_path)


def create_app(database: str | os.PathLike[str], *, public_base_url: str | None = None,
               device_interval: int = DEFAULT_DEVICE_INTERVAL,
               device_code_lifetime: int = DEFAULT_DEVICE_CODE_LIFETIME,
               token_lifetime: int = DEFAULT_TOKEN_LIFETIME, catalog_path: str | Path | None = None,
               signature_window: float = DEFAULT_WINDOW, clock: Callable[[], float] = time.time,
               demo: bool = False, shared_nonces: bool = False) -> Flask:
    """The reference central server as a WSGI app, storing everything in `database`: a SQLite file's path, or a
    URL (sqlite:///PATH, postgresql+psycopg://user@host:port/dbname); its schema is brought up to date first.

    `demo` adds the phone simulator (/phone/*: the sample citizens, approving as any of them); a central
    serving real terminals runs without it. `shared_nonces` keeps signed requests' nonces in the database, as a
    server of several processes on one database must (kiosk central serve --workers)."""
    if device_interval < 1 or device_code_lifetime < 1 or token_lifetime < 1:
        raise ValueError("device_interval, device_code_lifetime and token_lifetime must be at least 1 second")
    from central_server.api import bp as api_bp
    from central_server.assisted import bp as assisted_bp
    from central_server.pages import bp as pages_bp
    from central_server.staff_auth import init_staff_auth

    path = Path(catalog_path) if catalog_path else SAMPLE_CATALOG_PATH
    catalog = load_catalog(path)
    store = CentralStore(database, clock=clock)
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # the default provider has it
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.config["KIOSK_DEMO"] = demo
    app.extensions["central"] = CentralState(
        store=store, catalog=catalog, catalog_path=path,
        public_base_url=public_base_url, device_interval=int(device_interval),
        device_code_lifetime=int(device_code_lifetime), token_lifetime=int(token_lifetime),
        signature_window=signature_window, clock=clock)
    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(assisted_bp)
    init_staff_auth(app, store, api_bp)
    if shared_nonces:
        from central_server.nonces import SharedNonces

        app.extensions["central_seen_nonces"] = SharedNonces(store)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        if exc.status >= 400 and exc.status != 404:
            log.info("%s %s refused: %s", request.method, request.path, exc.error)
        return json_response(exc.body(), exc.status, exc.headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not is_api_path(request.path):
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        return json_response({"error": code, "error_description": exc.description or exc.name}, exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error in %s %s", request.method, request.path)
        return json_response({"error": "server_error", "error_description": "central failed; try again later"}, 500)

    @app.before_request
    def hold_connection() -> None:
        store.connections.hold()        # a request's statements share one pooled connection

    @app.teardown_request
    def release_connection(_exc: BaseException | None) -> None:
        store.connections.release()

    @app.before_request
    def keep_body() -> None:
        # The signature covers the raw body: read it once, before form parsing can consume the stream.
        request.get_data(cache=True)

    @app.after_request
    def server_time(resp: Response) -> Response:
        resp.headers["X-Server-Time"] = f"{clock():.3f}"
        return resp

    return app


def close_app(app: Flask) -> None:
    """Close the app's database."""
    app.extensions["central"].store.close()
