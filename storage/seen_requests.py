"""Remembering signed requests for as long as their signatures are valid.

One conditional insert per claim: the primary key decides, in any number of
processes at once, which of two identical requests is first.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import SeenRequest
from storage.types import utcnow

PURGE_EVERY_SECONDS = 60.0


class SeenRequests:
    """The shared record of requests; ``first_time`` is the only question asked of it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def first_time(self, key: str, expires_at: datetime) -> bool:
        """Record ``key`` until ``expires_at``; False when it was already recorded."""
        insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        table = SeenRequest.__table__
        statement = (
            insert(table)
            .values(request_key=key, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=["request_key"])
            .returning(table.c.request_key)  # a row back means this insert made it
        )
        with self.db.session() as session:
            if self._purge_due():
                session.execute(delete(SeenRequest).where(SeenRequest.expires_at < utcnow()))
            return session.connection().execute(statement).first() is not None

    def _purge_due(self) -> bool:
        """Whether this process should drop expired rows now; about once a minute."""
        with self._lock:
            now = time.monotonic()
            if now < self._next_purge:
                return False
            self._next_purge = now + PURGE_EVERY_SECONDS
            return True
