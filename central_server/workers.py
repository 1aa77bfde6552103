"""The reference central as a province runs it: several gunicorn worker processes (threads in each, keep-alive
connections) on one database, the schema migrated once by the master before any worker starts.

Each worker makes its own app (no fork-shared database pool) and keeps signed requests' nonces in the
database, so a copy sent to another worker is refused as a replay."""
from __future__ import annotations

from typing import Any, Callable

THREADS_PER_WORKER = 8
KEEPALIVE_SECONDS = 35     # longer than a terminal's heartbeat interval (30 s): its connection stays open


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
            "threads": THREADS_PER_WORKER, "keepalive": KEEPALIVE_SECONDS, "preload_app": False,
            "accesslog": None, "errorlog": "-", "loglevel": "warning", "graceful_timeout": 10}


def serve_with_workers(make_app: Callable[[], Any], host: str, port: int, workers: int) -> None:
    """Run gunicorn in this process (the master) until it is stopped (SIGTERM, Ctrl-C)."""
    from gunicorn.app.base import BaseApplication

    class CentralApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(host, port, workers).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return make_app()

    CentralApplication().run()
