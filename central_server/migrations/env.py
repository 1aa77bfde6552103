"""Alembic's entry point for the reference central's migrations: runs them on the connection it is handed.

central_server.migrate hands one over at every start; from the command line, -x db=PATH-or-URL names one."""
from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from central_server.database import database_url, open_engine
from central_server.schema import metadata


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")   # SQLite alters a table by copying it
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    if context.is_offline_mode():
        raise SystemExit("the central's migrations look at the database they change: --sql is not supported")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    db = context.get_x_argument(as_dictionary=True).get("db")
    if not db:
        raise SystemExit("name the database: alembic -c …/alembic.ini -x db=PATH-or-URL …")
    engine = open_engine(database_url(db))
    try:
        with engine.begin() as opened:
            _migrate(opened)
    finally:
        engine.dispose()


_run()
