"""Choosing the one process that runs scheduled jobs.

On PostgreSQL a session-level advisory lock held on a dedicated connection: it
is released the moment the holder's connection dies, so another process takes
over on its next try. On SQLite (one host) a lease row with an expiry that the
holder keeps renewing.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import Database
from storage.models import Lease
from storage.types import utcnow

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 7_242_002
LEASE_NAME = "scheduler"


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
        connection = self.database.engine.connect()
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
        ).scalar()
        connection.commit()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _lease(self) -> bool:
        now = utcnow()
        with self.database.session() as session:
            lease = session.scalars(
                select(Lease).where(Lease.name == LEASE_NAME).with_for_update()
            ).first()
            if lease is None:
                session.add(
                    Lease(name=LEASE_NAME, holder=self.holder, expires_at=now + self.lease_ttl)
                )
                try:
                    session.flush()
                except IntegrityError:
                    return False
                return True
            if lease.holder == self.holder or lease.expires_at <= now:
                lease.holder = self.holder
                lease.expires_at = now + self.lease_ttl
                return True
            return False

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
                    lease = session.get(Lease, LEASE_NAME)
                    if lease is not None and lease.holder == self.holder:
                        session.delete(lease)
            except OperationalError:
                pass
