"""Choosing the one process that runs scheduled jobs.

On PostgreSQL a session-level advisory lock held on a dedicated connection: it
is released the moment the holder's connection dies, so another process takes
over on its next try. That connection runs in autocommit: the lock belongs to
the session, not to a transaction, and a keep-alive query inside a transaction
that never ends would hold back vacuum and show as "idle in transaction".

On SQLite (one host) a lease row with an expiry that the holder keeps
renewing, taken in one conditional UPDATE whose row count says who won: a read
followed by a write let two processes both see a lapsed lease and both lead.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, or_, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from storage.db import Database
from storage.models import Lease
from storage.types import utcnow

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 7_242_002
LEASE_NAME = "scheduler"
# A lease row nobody holds: long expired, so the first UPDATE takes it.
LAPSED = datetime(2000, 1, 1, tzinfo=UTC)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leadership:
    def __init__(self, database: Database, lease_ttl: timedelta = timedelta(seconds=15)) -> None:
        self.database = database
        self.holder = holder_id()
        self.lease_ttl = lease_ttl
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        """Become or stay leader if possible; False means someone else leads."""
        try:
            if self.database.dialect == "postgresql":
                return self._advisory_lock()
            return self._lease()
        except OperationalError as exc:
            log.warning("leader check failed, standing down: %s", exc)
            self.release()
            return False

    def _advisory_lock(self) -> bool:
        if self._connection is not None:
            # Still ours while the connection lives; a cheap query proves it.
            self._connection.execute(text("SELECT 1"))
            return True
        connection = self.database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        )
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
        ).scalar()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _lease(self) -> bool:
        now = utcnow()
        with self.database.session() as session:
            # Make sure the row exists; of two processes inserting it, one adds it.
            session.execute(
                sqlite_insert(Lease)
                .values(name=LEASE_NAME, holder="", expires_at=LAPSED)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            taken = session.execute(
                update(Lease)
                .where(
                    Lease.name == LEASE_NAME,
                    or_(Lease.holder == self.holder, Lease.expires_at <= now),
                )
                .values(holder=self.holder, expires_at=now + self.lease_ttl)
                .execution_options(synchronize_session=False)
            )
            return taken.rowcount == 1

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY}
                )
                self._connection.close()
            except Exception:  # the connection may already be gone, and the lock with it
                pass
            self._connection = None
        elif self.database.dialect != "postgresql":
            try:
                with self.database.session() as session:
                    session.execute(
                        delete(Lease).where(Lease.name == LEASE_NAME, Lease.holder == self.holder)
                    )
            except OperationalError:
                pass
