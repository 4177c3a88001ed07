"""Named locks shared by every process on one database, for work that must not run twice at once.

A lock is a row in ``leases`` with a holder and an expiry: taken by one
conditional insert-or-update (a lapsed row may be taken over), released by
deleting the holder's own row. The expiry frees a lock whose holder died.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import Lease
from storage.types import utcnow


def _holder() -> str:
    return f"{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


def take(db: Database, name: str, holder: str, ttl: timedelta) -> bool:
    """Hold ``name`` until ``ttl`` from now; False when someone else holds it."""
    now = utcnow()
    table = Lease.__table__
    insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(name=name, holder=holder, expires_at=now + ttl)
        .on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": now + ttl},
            where=table.c.expires_at <= now,
        )
        .returning(table.c.name)
    )
    with db.session() as session:
        return session.connection().execute(statement).first() is not None


def release(db: Database, name: str, holder: str) -> None:
    with db.session() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


@contextmanager
def held(db: Database, name: str, ttl: timedelta) -> Iterator[bool]:
    """``with held(db, "sync:7", ttl) as mine:``; ``mine`` is False when it was taken."""
    holder = _holder()
    mine = take(db, name, holder, ttl)
    try:
        yield mine
    finally:
        if mine:
            release(db, name, holder)
