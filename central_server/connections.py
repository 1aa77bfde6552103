"""One pooled connection for all the statements of a request, instead of a checkout for each statement: a
heartbeat's three statements used to cost three checkouts (and, on PostgreSQL, three pings of the server).

The store reads and writes through `Connections`; the app holds one per request (`hold`, then `release`)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, ContextManager, Iterator

from sqlalchemy.engine import URL, Connection, Engine

from central_server.database import is_sqlite, reader_options, writer_options


class _Held(threading.local):
    """This thread's request: its connection once checked out, the settings it has (for reads or for a
    transaction), and whether a transaction is open on it."""
    holding = False
    connection: Connection | None = None
    set_for_reads: bool | None = None
    writing = False


class Connections:
    """Connections from the engine's pool, for single-statement reads, single writes and transactions.

    Outside a held request each use checks out its own connection. Within one (the thread's request, between
    `hold` and `release`) every use takes the same connection, checked out on first need: a read runs with the
    reader settings (autocommit on PostgreSQL), a transaction with the writer's, and a read or a transaction
    begun inside a transaction joins it (an inner block is committed with the outer one). Outside a request,
    nothing may be nested: a second connection would wait for the first one's write lock. A connection that
    failed is given back at once, so the request's next statement starts on a good one."""

    def __init__(self, engine: Engine, url: URL):
        self.engine = engine
        self._sqlite = is_sqlite(url)
        self._reader_options = reader_options(url)
        self._reader = engine.execution_options(**self._reader_options)
        self._held = _Held()

    def hold(self) -> None:
        """From now until `release`, this thread's statements share one connection."""
        self.release()
        self._held.holding = True

    def release(self) -> None:
        """Give the held connection back to the pool (rolling back whatever was left open)."""
        held = self._held
        held.holding = False
        self._drop()

    def _checked_out(self, for_reads: bool | None = None) -> Connection:
        """The held connection, checked out now if need be, set for reads or a transaction (None: as it is)."""
        held = self._held
        if held.connection is None:
            held.connection, held.set_for_reads = self.engine.connect(), None
        if for_reads is not None and held.set_for_reads is not for_reads:
            held.connection.execution_options(**(self._reader_options if for_reads
                                                 else writer_options(held.connection)))
            held.set_for_reads = for_reads
        return held.connection

    def reading(self) -> ContextManager[Connection]:
        """A connection for reads that are one statement each (no snapshot shared between them)."""
        return self._use(for_reads=True, unheld=self._reader.connect)

    def transaction(self) -> ContextManager[Connection]:
        """A transaction: committed when the block ends (the outermost block, when nested within a request),
        rolled back when it raises."""
        return self._use(for_reads=False, unheld=self.engine.begin)

    @contextmanager
    def _use(self, for_reads: bool, unheld: Callable[[], ContextManager[Connection]]) -> Iterator[Connection]:
        held = self._held
        if not held.holding:
            with unheld() as connection:
                yield connection
            return
        if held.writing:                     # within a transaction: the read or the inner block joins it
            yield self._checked_out()
            return
        try:
            connection = self._checked_out(for_reads)
            if for_reads:
                yield connection
                connection.rollback()        # SQLite: ends the deferred read; PostgreSQL in autocommit: nothing sent
            else:
                held.writing = True
                with connection.begin():
                    yield connection
        except BaseException:
            self._drop()
            raise
        finally:
            held.writing = False

    def in_transaction(self) -> bool:
        """Whether this thread's request has a transaction open (a single write would join it)."""
        return self._held.holding and self._held.writing

    @contextmanager
    def single_write(self) -> Iterator[Connection]:
        """One statement that writes, committed on its own: on PostgreSQL in autocommit (no BEGIN and COMMIT
        round trips), on SQLite a transaction (which takes the write lock at its start)."""
        with (self.transaction() if self._sqlite else self.reading()) as connection:
            yield connection

    def _drop(self) -> None:
        """Give the connection back (the next statement checks out another, checked first)."""
        held = self._held
        connection, held.connection, held.writing = held.connection, None, False
        if connection is not None:
            connection.close()
