"""Database writes that outlast a locked or unreachable database, and what follows them.

Capture and backfill write what Slack has already been told is received, so
a busy database must delay those writes, never lose them. Only errors that
waiting can cure are waited out, and only so many times: a missing table or a
bad value fails the same way forever, and retrying it would stall every write
queued behind it. Work that talks to Slack (reaction hooks) waits until the
write has committed, and its failure is logged rather than undoing the write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
AfterCommit = Callable[[], None]

MAX_BACKOFF_SECONDS = 2.0

# PostgreSQL: serialization failure, deadlock, lock not available, the server
# shutting down or restarting; classes 08 (connection) and 53 (out of resources).
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03"})
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53"})
# SQLite: another connection holds the lock (extended codes such as
# SQLITE_BUSY_SNAPSHOT share the prefix).
TRANSIENT_SQLITE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED")


class GaveUp(Exception):
    """A transient error outlasted every allowed attempt; ``__cause__`` is the last one."""

    def __init__(self, attempts: int, last: BaseException) -> None:
        super().__init__(f"gave up after {attempts} attempts: {last}")
        self.attempts = attempts


def is_transient(exc: BaseException) -> bool:
    """Errors that go away by waiting: a lock held elsewhere, a dropped connection.

    Decided by the driver's error code, not by SQLAlchemy's exception class:
    "no such table" and "database is locked" are both ``OperationalError``.
    """
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return sqlstate in TRANSIENT_SQLSTATES or sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES
    sqlite_name = getattr(orig, "sqlite_errorname", None)
    if sqlite_name:
        return sqlite_name.startswith(TRANSIENT_SQLITE_CODES)
    # psycopg reports a server it cannot reach (refused, reset, timed out)
    # without a SQLSTATE: no server answered, so there is nothing to classify.
    module = type(orig).__module__ or ""
    return module.startswith("psycopg") and type(orig).__name__ in (
        "OperationalError",
        "InterfaceError",
    )


def transact(
    db: Database,
    work: Callable[[Session], T],
    on_retry: Callable[[], None] | None = None,
    max_attempts: int | None = None,
) -> T:
    """Run ``work`` in a transaction until it commits.

    Waits out transient database errors, backing off, for at most
    ``max_attempts`` tries (None: as long as they last) and then raises
    ``GaveUp``. A unique-key conflict means another writer stored the same
    thing first; running again sees it and does nothing, so that is retried a
    few times too. Any other error is raised at once.
    """
    attempt = conflicts = 0
    while True:
        try:
            with db.session() as session:
                return work(session)
        except IntegrityError:
            conflicts += 1
            if conflicts > 3:
                raise
        except Exception as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            if max_attempts is not None and attempt >= max_attempts:
                raise GaveUp(attempt, exc) from exc
            if on_retry:
                on_retry()
            if attempt == 1 or attempt % 20 == 0:
                log.warning("database busy or unreachable (%s); retrying, attempt %d", exc, attempt)
            time.sleep(min(0.05 * 2 ** min(attempt, 6), MAX_BACKOFF_SECONDS))


def run_after_commit(after: AfterCommit) -> None:
    """Run follow-up work of a committed write; a failure is logged, the write stands."""
    try:
        after()
    except Exception:
        log.exception("%s failed", getattr(after, "__name__", "follow-up"))
