"""The reference central server: the whole API contract on Flask, stored in SQLite or PostgreSQL (SQLAlchemy).

Used by the embedded demo, the tests and integrators building the real platform; central_server.app makes the
application. Importing the package itself loads nothing, so the kiosk's command line can list its commands."""
