"""Milestones: the moments that time-to-detect, -acknowledge and -resolve are measured between."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import MILESTONES, Incident, Milestone
from storage.types import utcnow


def get_all(session: Session, incident: Incident) -> dict[str, Milestone]:
    rows = session.scalars(select(Milestone).where(Milestone.incident_id == incident.id))
    return {row.kind: row for row in rows}


def set_milestone(
    session: Session,
    incident: Incident,
    kind: str,
    at: datetime | None,
    set_by: str | None,
    *,
    overwrite: bool = True,
) -> Milestone:
    """Record that ``incident`` reached ``kind`` at ``at``; keeps the first time unless told."""
    if kind not in MILESTONES:
        raise ValueError(f"unknown milestone {kind!r}")
    existing = session.scalars(
        select(Milestone).where(Milestone.incident_id == incident.id, Milestone.kind == kind)
    ).first()
    if existing is not None:
        if overwrite:
            existing.at = at or utcnow()
            existing.set_by = set_by
        return existing
    row = Milestone(incident_id=incident.id, kind=kind, at=at or utcnow(), set_by=set_by)
    session.add(row)
    session.flush()
    return row


def clear(session: Session, incident: Incident, kind: str) -> None:
    """Forget a milestone, e.g. ``resolved`` when an incident is reopened."""
    existing = session.scalars(
        select(Milestone).where(Milestone.incident_id == incident.id, Milestone.kind == kind)
    ).first()
    if existing is not None:
        session.delete(existing)


def keep_earliest(
    session: Session, incident: Incident, kind: str, at: datetime, set_by: str | None
) -> Milestone:
    """Record that ``incident`` reached ``kind`` at ``at``, unless it is known to have earlier.

    Moments arrive out of order (Slack redelivers, the start-up backfill reads
    history after live events), so the result must not depend on which is
    processed first. The guarded UPDATE moves the time only backwards, which
    also holds when two transactions record a moment at once.
    """
    if kind not in MILESTONES:
        raise ValueError(f"unknown milestone {kind!r}")
    query = select(Milestone).where(Milestone.incident_id == incident.id, Milestone.kind == kind)
    existing = session.scalars(query).first()
    if existing is None:
        try:
            with session.begin_nested():
                row = Milestone(incident_id=incident.id, kind=kind, at=at, set_by=set_by)
                session.add(row)
            return row
        except IntegrityError:  # another transaction recorded it a moment ago
            existing = session.scalars(query).one()
    session.execute(
        update(Milestone)
        .where(Milestone.id == existing.id, Milestone.at > at)
        .values(at=at, set_by=set_by)
    )
    return existing


def record_first_response(
    session: Session, incident: Incident, user_id: str | None, at: datetime
) -> Milestone | None:
    """The earliest message from someone other than the declarer acknowledges the incident."""
    if not user_id or user_id == incident.declared_by:
        return None
    return keep_earliest(session, incident, "acknowledged", at, user_id)
