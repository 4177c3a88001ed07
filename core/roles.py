"""Who holds which role in an incident, with handoffs kept as history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.roles import INCIDENT_COMMANDER
from core.errors import Conflict, InvalidInput
from core.events import record_system_event
from storage.models import Incident, RoleAssignment
from storage.types import utcnow

if TYPE_CHECKING:
    from config.roles import Role


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


def commanders(session: Session, incident_ids: Iterable[int]) -> dict[int, str]:
    """incident id -> its current IC, or whoever declared it when nobody holds command.

    One query for any number of incidents: the digest asks for every incident
    that has an open action item.
    """
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Incident.id, Incident.declared_by, RoleAssignment.user_id)
        .outerjoin(
            RoleAssignment,
            and_(
                RoleAssignment.incident_id == Incident.id,
                RoleAssignment.role == INCIDENT_COMMANDER,
                RoleAssignment.ended_at.is_(None),
            ),
        )
        .where(Incident.id.in_(ids))
    )
    return {incident_id: holder or declarer for incident_id, declarer, holder in rows}


def _end(session: Session, holding: RoleAssignment, at: datetime) -> None:
    """End a holding this transaction saw open, or raise ``Conflict`` if someone already did."""
    ended = session.execute(
        update(RoleAssignment)
        .where(RoleAssignment.id == holding.id, RoleAssignment.ended_at.is_(None))
        .values(ended_at=at)
    )
    if ended.rowcount != 1:
        raise Conflict("Someone changed that role at the same moment; try again.")


def assign(
    session: Session,
    incident: Incident,
    role: str,
    user_id: str,
    assigned_by: str,
    at: datetime | None = None,
    *,
    replacing: RoleAssignment | None | bool = True,
) -> tuple[RoleAssignment, str | None]:
    """Give ``role`` to ``user_id``; returns the new assignment and the previous holder.

    ``replacing`` is the holding the caller decided on, when it read one: that
    exact holding is ended, or ``Conflict`` raised if it was ended meanwhile. On
    PostgreSQL each statement reads the latest commit, so reading the holder
    again here could see a newer one than the caller checked.
    """
    at = at or utcnow()
    previous = current_holder(session, incident, role) if replacing is True else replacing
    assert previous is not True
    if previous is not None and previous.user_id == user_id:
        return previous, user_id
    if previous is not None:
        _end(session, previous, at)
    assignment = RoleAssignment(
        incident_id=incident.id, role=role, user_id=user_id, assigned_by=assigned_by, assigned_at=at
    )
    session.add(assignment)
    try:
        session.flush()
    except IntegrityError as exc:  # another open holding appeared: the one-holder index
        raise Conflict("Someone changed that role at the same moment; try again.") from exc
    return assignment, previous.user_id if previous else None


def hand_over(
    session: Session,
    incident: Incident,
    role: Role,
    user_id: str,
    assigned_by: str,
) -> str | None:
    """Give a configured role to someone and record the handoff; returns the previous holder.

    Raises ``InvalidInput`` when they already hold it, so nothing is recorded twice.
    """
    current = current_holder(session, incident, role.key)
    if current is not None and current.user_id == user_id:
        raise InvalidInput(f"<@{user_id}> is already the {role.name} of {incident.reference}.")
    now = utcnow()
    _assignment, previous = assign(
        session, incident, role.key, user_id, assigned_by, at=now, replacing=current
    )
    text = f"<@{user_id}> is now {role.name}" + (
        f", taking over from <@{previous}>" if previous else ""
    )
    text += "" if assigned_by == user_id else f" (assigned by <@{assigned_by}>)"
    record_system_event(
        session,
        incident,
        "role_assigned",
        text,
        assigned_by,
        at=now,
        role=role.key,
        holder=user_id,
        previous=previous,
    )
    return previous


def release(session: Session, incident: Incident, role: Role, released_by: str) -> str:
    """End the current holding of a role (not the IC's: someone must always command)."""
    if role.key == INCIDENT_COMMANDER:
        raise InvalidInput(
            "An incident always has an Incident Commander; "
            "hand over with `/incident role ic @someone`."
        )
    current = current_holder(session, incident, role.key)
    if current is None:
        raise InvalidInput(f"Nobody is {role.name} of {incident.reference}.")
    now = utcnow()
    _end(session, current, now)
    record_system_event(
        session,
        incident,
        "role_released",
        f"<@{current.user_id}> is no longer {role.name} (by <@{released_by}>)",
        released_by,
        at=now,
        role=role.key,
        holder=current.user_id,
    )
    return current.user_id
