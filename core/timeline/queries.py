"""Reading the timeline back, in time order, for the features built on it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeline.records import SYSTEM
from storage.models import Incident, TimelineEvent


def all_events(
    session: Session, incident: Incident, limit: int | None = None
) -> list[TimelineEvent]:
    """Everything, tombstones included, in time order; the first ``limit`` when given."""
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
            .limit(limit)
        )
    )


def count_events(session: Session, incident: Incident) -> int:
    """How many entries the timeline has, tombstones included."""
    return (
        session.scalar(
            select(func.count())
            .select_from(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
        )
        or 0
    )


def key_events(
    session: Session, incident: Incident, *, include_system: bool = True
) -> list[TimelineEvent]:
    """What matters, in time order: key events and notes, plus Sitrep's own system events.

    Deleted messages are left out; their text is gone.
    """
    query = select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.deleted_at.is_(None)
    )
    if include_system:
        query = query.where(TimelineEvent.is_key.is_(True) | (TimelineEvent.kind == SYSTEM))
    else:
        query = query.where(TimelineEvent.is_key.is_(True))
    return list(session.scalars(query.order_by(TimelineEvent.occurred_at, TimelineEvent.id)))
