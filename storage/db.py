"""Engines and sessions for the embedded SQLite default and for PostgreSQL.

On SQLite, Sitrep starts its own transactions (SQLAlchemy's documented
pysqlite recipe) instead of leaving it to the ``sqlite3`` module, which only
begins one before the first INSERT, UPDATE or DELETE. Left to ``sqlite3``, the
reads that decide a change ("is it still open?") ran outside the transaction
that made it, so two commands could both read "open" and both resolve.

An ORM session therefore takes SQLite's write lock when it begins (``BEGIN
IMMEDIATE``): sessions that write run one at a time and each sees the last
one's commit. Reads that may take long ask for ``session(write=False)``.
Plain engine connections (health checks, the search index, APScheduler's job
store) begin ``DEFERRED``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option naming how a SQLite transaction begins: DEFERRED or IMMEDIATE.
SQLITE_BEGIN = "sitrep_sqlite_begin"


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``) and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # sqlite3 no longer issues BEGIN (or COMMITs before DDL); _begin does instead.
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the one writer; the busy timeout makes a
    # second writer wait instead of failing at once with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at BEGIN, so the reads that decide a change
    # see the latest commit and nobody commits under them, much as SELECT ... FOR
    # UPDATE would. DEFERRED (SQLite's default) suits reads: WAL lets them run
    # beside the writer, but a write after them fails at once if another
    # connection committed in between, instead of waiting its turn.
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """One engine and its session factories, shared by the whole process."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        writing = self.engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        self.sessions = sessionmaker(writing, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._thread = threading.local()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error.

        On SQLite it takes the write lock at BEGIN, unless ``write=False``: for
        reads that may run long (a search paging Slack) and must not keep
        writers waiting. A session opened inside a locking one on the same
        thread joins it as a savepoint; a second connection would wait for the
        lock its own thread holds until the busy timeout.
        """
        outer: Session | None = getattr(self._thread, "writer", None)
        if outer is not None:
            with outer.begin_nested():
                yield outer
            return
        locks = write and self.dialect == "sqlite"
        factory = self.sessions if locks else self.read_sessions
        with factory() as session, session.begin():
            self._thread.writer = session if locks else None
            try:
                yield session
            finally:
                self._thread.writer = None

    def dispose(self) -> None:
        self.engine.dispose()
