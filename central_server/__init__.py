"""The reference central server: the whole API contract on Flask, stored in SQLite or PostgreSQL (SQLAlchemy).

Used by the embedded demo, the tests and integrators building the real platform."""
from central_server.app import close_app, create_app

__all__ = ["create_app", "close_app"]
