"""Database writes that outlast a locked or unreachable database, and what follows them.

Capture and backfill write what Slack has already been told is received, so
a busy database must delay those writes, never lose them. Work that talks to
Slack (reaction hooks) waits until the write has committed, and its failure
is logged rather than undoing the write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from storage.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
AfterCommit = Callable[[], None]

MAX_BACKOFF_SECONDS = 2.0


def is_transient(exc: BaseException) -> bool:
    """Errors that go away by waiting: a locked SQLite file, a dropped connection."""
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(
        getattr(exc, "connection_invalidated", False)
    )


def transact(
    db: Database, work: Callable[[Session], T], on_retry: Callable[[], None] | None = None
) -> T:
    """Run ``work`` in a transaction until it commits.

    Waits out transient database errors for as long as they last, backing off.
    A unique-key conflict means another writer stored the same thing first;
    running again sees it and does nothing, so that is retried a few times too.
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
