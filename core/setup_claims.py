"""Which half-made declares a clean-up may remove, decided by a claim the declare holds.

A declare stores its incident before Slack has made the channel, so a crash
can leave a row in "creating" with no channel. The declare marks the row with
an owner token and a time (the setup claim); a clean-up deletes only rows that
are still "creating", have no channel, and carry a claim gone stale. Nothing
else is ever in that state: imported, finished and complete incidents hold no
claim, so no clean-up can select them.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, delete
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Database
from storage.models import SETUP_CREATING, Incident
from storage.types import utcnow

STALE_AFTER = timedelta(minutes=10)


def new_owner() -> str:
    """A token naming one run of the setup (host and pid help whoever reads the row)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _never_made(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """A declare that never got its channel: the only rows a clean-up may delete."""
    return and_(
        Incident.setup_state == SETUP_CREATING,
        Incident.channel_id.is_(None),
        Incident.setup_owner.is_not(None),
        Incident.setup_claimed_at.is_not(None),
        *conditions,
    )


def discard(database: Database, incident_id: int, owner: str) -> bool:
    """Remove one's own declare whose channel could not be made; nothing else."""
    with database.session() as session:
        gone = session.execute(
            delete(Incident)
            .where(Incident.id == incident_id, _never_made(Incident.setup_owner == owner))
            .execution_options(synchronize_session=False)
        ).rowcount
    return gone == 1


def remove_abandoned(database: Database, now: datetime | None = None) -> int:
    """Delete declares whose process died before their channel existed; returns how many."""
    cutoff = (now or utcnow()) - STALE_AFTER
    with database.session() as session:
        return session.execute(
            delete(Incident)
            .where(_never_made(Incident.setup_claimed_at < cutoff))
            .execution_options(synchronize_session=False)
        ).rowcount
