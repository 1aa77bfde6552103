"""The reference central's database by URL: a SQLite file (embedded, the default) or PostgreSQL (a province).

Everything that differs between the two lives here: the URL check, the engine's settings, and upserts."""
from __future__ import annotations

import importlib.util
import logging
import os
import re
import select
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from sqlalchemy import Insert, Table, create_engine, event, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, IntegrityError

from central_server.workers import MAX_THREADS_PER_WORKER
from kiosk.errors import StoreError
from kiosk.shared.store import DIR_MODE, FILE_MODE, create_private, make_private

log = logging.getLogger(__name__)

POSTGRESQL_DRIVER = "postgresql+psycopg"
EXAMPLE = "a SQLite file path, or postgresql+psycopg://user@host:port/dbname"
BUSY_TIMEOUT_MS = 10_000        # how long a SQLite writer waits for another one
CONNECT_TIMEOUT_S = 10          # how long a PostgreSQL connection may take
TCP_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
                                # a pooled connection whose server vanished is found dead within about a minute
READ_ONLY = "kiosk_read_only"   # execution option: a SQLite transaction that will not write
# PostgreSQL connections kept open per process: one for each of a uWSGI worker's threads and the nonce sweep;
# beyond it connections would be opened and closed request after request (a new server process each).
POOL_SIZE = MAX_THREADS_PER_WORKER + 1


class DatabaseUrlError(StoreError):
    """The database given is neither a file path nor a URL the central can use; the message says which part."""


class Conflict(StoreError):
    """A write met a row another transaction committed first (a unique key); the transaction was rolled back."""


def shown(url: URL | str) -> str:
    """The URL fit for a message or a log line: without its password."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def database_url(database: str | os.PathLike[str]) -> URL:
    """The URL of `database`: a path is a SQLite file; a URL must be sqlite:///PATH or postgresql(+psycopg)://…"""
    text = os.fspath(database).strip()
    if not text:
        raise DatabaseUrlError(f"no database given: expected {EXAMPLE}")
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().absolute()))
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise DatabaseUrlError(f"{shown(text)} is not a database URL: expected {EXAMPLE}") from None
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite":
        if driver != "pysqlite" or not url.database or url.database == ":memory:":
            raise DatabaseUrlError(f"{shown(text)}: a SQLite database needs a file, e.g. sqlite:////var/lib/central/"
                                   "central.sqlite3 (or just the path)")
        return url
    if backend != "postgresql":
        raise DatabaseUrlError(f"{shown(url)}: the central stores its data in SQLite or PostgreSQL, not {backend}; "
                               f"expected {EXAMPLE}")
    if "+" in url.drivername and url.drivername != POSTGRESQL_DRIVER:
        raise DatabaseUrlError(f"{shown(url)}: driver {driver} is not supported; use {POSTGRESQL_DRIVER}://")
    if not url.database:
        raise DatabaseUrlError(f"{shown(url)}: the URL names no database (…/dbname at its end)")
    if importlib.util.find_spec("psycopg") is None:
        raise DatabaseUrlError("PostgreSQL needs the psycopg driver: pip install 'kiosk[central]'")
    return url.set(drivername=POSTGRESQL_DRIVER)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def reader_options(url: URL) -> dict[str, Any]:
    """Execution options for reads that are one statement each. SQLite: a transaction that takes no write lock.
    PostgreSQL: autocommit, the statement its own transaction, which saves the BEGIN and ROLLBACK round trips
    (a province's heartbeats are mostly reads)."""
    return {READ_ONLY: True} if is_sqlite(url) else {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}


def writer_options(connection: Connection) -> dict[str, Any]:
    """Execution options for a transaction that may write, on a connection that may have been reading: SQLite's
    write lock taken at BEGIN, PostgreSQL's transactions back (its default isolation level)."""
    if connection.dialect.name == "sqlite":
        return {READ_ONLY: False}
    return {"isolation_level": connection.default_isolation_level}


def open_engine(url: URL) -> Engine:
    """An engine (with its connection pool) for a URL from `database_url`."""
    if is_sqlite(url):
        return _sqlite_engine(Path(url.database or ""), url)
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_SIZE,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "kiosk-central",
                                         **TCP_KEEPALIVE})
    event.listen(engine, "checkout", _refuse_ended_connection)
    return engine


def _refuse_ended_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection is checked without a round trip to the server (SQLAlchemy's pre-ping costs
    one for every request): an idle connection that has something to read was ended by the server, which says
    so (a restart, pg_terminate_backend, idle_session_timeout) before it closes its end. The pool then opens a
    new one in its place. Not found this way: a connection ended in the last few milliseconds, before the
    server's word arrived, or by a peer that vanished without one (TCP keepalives find those in about a
    minute); the request's statement that meets it fails, and the terminal sends the request again."""
    socket = -1 if dbapi_connection.closed else dbapi_connection.pgconn.socket
    if socket < 0:
        raise DisconnectionError("this pooled connection was closed")
    waiting = select.poll()             # not select(): it cannot watch a descriptor numbered 1024 or more
    waiting.register(socket, select.POLLIN)
    if waiting.poll(0):
        raise DisconnectionError("the server ended this pooled connection")


def writes_within_queries(url: URL) -> bool:
    """Whether a query may carry an UPDATE in its WITH clause, a write and a read in one round trip (PostgreSQL;
    SQLite cannot)."""
    return url.get_backend_name() == "postgresql"


# PostgreSQL: a condition that is always true and lets the statement's transaction commit without waiting for its
# WAL to reach the disk (synchronous_commit off, for that transaction only: set_config(…, true)). Put in the WHERE
# of an UPDATE committed on its own. A crash may lose such a write, never half of it, with whatever else committed
# this way in the last fraction of a second (3 × wal_writer_delay): only for writes a client simply makes again,
# such as a terminal's heartbeat.
COMMIT_WITHOUT_WAITING = func.set_config("synchronous_commit", "off", True).is_not(None)


def _sqlite_engine(path: Path, url: URL) -> Engine:
    """The file is made 0600 before SQLite opens it (it holds terminal secrets; -wal and -shm get its mode)."""
    try:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        create_private(path)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the central database: {exc.strerror or exc}") from exc
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        make_private(each, FILE_MODE)
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_settings)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_settings(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, starts transactions: see _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}"):
            cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """A transaction that may write takes SQLite's write lock at BEGIN: a reader turning writer could otherwise
    fail at once with "database is locked" instead of waiting its turn (busy_timeout)."""
    connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


DIALECTS = {"sqlite": sqlite, "postgresql": postgresql}


def insert_or_ignore(table: Table, *returning: Any) -> dict[str, Insert]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING …, built once for each dialect (by its name), with the values
    given when it runs: for a statement every request runs, whose building would cost more than its running."""
    return {name: dialect.insert(table).on_conflict_do_nothing().returning(*returning)
            for name, dialect in DIALECTS.items()}


def upsert(connection: Connection, table: Table, values: Mapping[str, Any],
           update: Iterable[str] | Mapping[str, Any] = ()) -> Insert:
    """INSERT … ON CONFLICT in the connection's dialect. `update` names the columns that take the new values when
    a row with the primary key exists, or maps columns to expressions (a column of `table` is the stored value);
    when empty, a row that clashes on any unique key is left as it is (INSERT OR IGNORE)."""
    stmt = DIALECTS[connection.dialect.name].insert(table).values(**values)
    changes = dict(update) if isinstance(update, Mapping) else {name: stmt.excluded[name] for name in update}
    if not changes:
        return stmt.on_conflict_do_nothing()
    return stmt.on_conflict_do_update(index_elements=[c.name for c in table.primary_key.columns], set_=changes)


@contextmanager
def database_errors(url: URL) -> Iterator[None]:
    """Database failures as StoreError naming the database (never its password); a unique key as Conflict."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(f"{shown(url)}: {_first_line(exc.orig)}") from exc
    except DBAPIError as exc:
        raise StoreError(f"{shown(url)}: {_first_line(exc.orig)}") from exc


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else "database error"
