"""Running a read-check-write change so that a concurrent one cannot slip in between."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict
from storage.db import Database

T = TypeVar("T")
ATTEMPTS = 5  # each lost attempt means another change went through; five covers a crowd


def run_retrying(database: Database, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a transaction; if it lost a race, run it again on fresh state.

    A lost race shows as ``Conflict`` (a guarded UPDATE matched no row) or as an
    ``IntegrityError`` (a unique index refused a second open holding). The next
    attempt reads what the winner committed, so the domain's own checks give the
    loser a plain answer ("INC-4 was already resolved by ...") instead of doing
    the change twice.
    """
    for attempt in range(ATTEMPTS):
        try:
            with database.session() as session:
                return work(session)
        except (Conflict, IntegrityError):
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
