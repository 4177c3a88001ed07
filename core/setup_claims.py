"""Who is building an incident's Slack side, claimed with compare-and-set.

A declare, a retry after a crash and the start-up repair can all reach the
same incident. Each run takes the incident's setup claim (an owner token and
a time) with one conditional ``UPDATE`` before every step and checks the row
count, so one run at a time works on it; what a step made (the channel, the
card) is stored only while the claim is still held and the field still empty.
A claim not renewed for ``STALE_AFTER`` belongs to a run that died: only then
may another run take it over, or a clean-up remove a declare that never got
its channel. Imported, finished and complete incidents hold no claim and are
never in "creating", so no clean-up here can select them.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Database
from storage.models import SETUP_CREATING, SETUP_READY, Incident
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


def _free_or_stale(owner: str, now: datetime) -> ColumnElement[bool]:
    return or_(
        Incident.setup_owner.is_(None),
        Incident.setup_owner == owner,
        Incident.setup_claimed_at.is_(None),
        Incident.setup_claimed_at < now - STALE_AFTER,
    )


def claim(database: Database, incident_id: int, owner: str) -> bool:
    """Take or renew the setup claim before a step; False when another holds a live one."""
    now = utcnow()
    with database.session() as session:
        taken = session.execute(
            update(Incident)
            .where(
                Incident.id == incident_id,
                Incident.setup_state != SETUP_READY,
                _free_or_stale(owner, now),
            )
            .values(setup_owner=owner, setup_claimed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    return taken == 1


def finish(database: Database, incident_id: int, owner: str, state: str) -> bool:
    """Record how the setup ended and let go of the claim, if it is still ours."""
    with database.session() as session:
        done = session.execute(
            update(Incident)
            .where(Incident.id == incident_id, Incident.setup_owner == owner)
            .values(setup_state=state, setup_owner=None, setup_claimed_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    return done == 1


def record(database: Database, incident_id: int, owner: str, **made: str) -> bool:
    """Store what a step made (channel, card...) only if the claim is still ours and the
    field is still empty; False means another run made it first, and ours is surplus."""
    with database.session() as session:
        stored = session.execute(
            update(Incident)
            .where(
                Incident.id == incident_id,
                Incident.setup_owner == owner,
                *(getattr(Incident, name).is_(None) for name in made),
            )
            .values(**made)
            .execution_options(synchronize_session=False)
        ).rowcount
    return stored == 1


def unfinished(database: Database, now: datetime | None = None) -> list[int]:
    """Incidents with a channel whose setup is not done and whose claim is free or stale."""
    cutoff = (now or utcnow()) - STALE_AFTER
    with database.session() as session:
        return list(
            session.scalars(
                select(Incident.id)
                .where(
                    Incident.setup_state != SETUP_READY,
                    Incident.channel_id.is_not(None),
                    or_(
                        Incident.setup_owner.is_(None),
                        Incident.setup_claimed_at.is_(None),
                        Incident.setup_claimed_at < cutoff,
                    ),
                )
                .order_by(Incident.id)
            )
        )
