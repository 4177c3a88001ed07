"""Milestones: the moments that time-to-detect, -acknowledge and -resolve are measured between."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
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


def record_first_response(
    session: Session, incident: Incident, user_id: str | None, at: datetime
) -> Milestone | None:
    """The first message from someone other than the declarer acknowledges the incident."""
    if not user_id or user_id == incident.declared_by:
        return None
    return set_milestone(session, incident, "acknowledged", at, user_id, overwrite=False)
