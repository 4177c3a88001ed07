"""Who holds which role in an incident, with handoffs kept as history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Incident, RoleAssignment
from storage.types import utcnow

INCIDENT_COMMANDER = "incident_commander"


def current_holder(session: Session, incident: Incident, role: str) -> RoleAssignment | None:
    return session.scalars(
        select(RoleAssignment)
        .where(
            RoleAssignment.incident_id == incident.id,
            RoleAssignment.role == role,
            RoleAssignment.ended_at.is_(None),
        )
        .order_by(RoleAssignment.assigned_at.desc())
        .limit(1)
    ).first()


def current_holders(session: Session, incident: Incident) -> dict[str, str]:
    """role -> user id for every role someone holds now."""
    rows = session.scalars(
        select(RoleAssignment)
        .where(RoleAssignment.incident_id == incident.id, RoleAssignment.ended_at.is_(None))
        .order_by(RoleAssignment.assigned_at)
    )
    return {row.role: row.user_id for row in rows}


def assign(
    session: Session,
    incident: Incident,
    role: str,
    user_id: str,
    assigned_by: str,
    at: datetime | None = None,
) -> tuple[RoleAssignment, str | None]:
    """Give ``role`` to ``user_id``; returns the new assignment and the previous holder."""
    at = at or utcnow()
    previous = current_holder(session, incident, role)
    if previous is not None and previous.user_id == user_id:
        return previous, user_id
    if previous is not None:
        previous.ended_at = at
    assignment = RoleAssignment(
        incident_id=incident.id, role=role, user_id=user_id, assigned_by=assigned_by, assigned_at=at
    )
    session.add(assignment)
    session.flush()
    return assignment, previous.user_id if previous else None
