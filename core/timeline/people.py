"""Who took part in an incident: joins, leaves, and first words before a join was seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeline.records import JOIN
from storage.models import Incident, Participant, TimelineEvent


def note_joined(
    session: Session,
    incident: Incident,
    user_id: str,
    at: datetime,
    *,
    only_if_unknown: bool = False,
) -> Participant:
    """Someone joined (or, with ``only_if_unknown``, spoke before we saw them join)."""
    person = _participant(session, incident, user_id)
    if person is None:
        person = Participant(incident_id=incident.id, user_id=user_id, joined_at=at)
        session.add(person)
        session.flush()
        return person
    if only_if_unknown:
        return person
    if at < person.joined_at:
        person.joined_at = at
    if person.left_at is not None and at > person.left_at:
        person.left_at = None
    return person


def note_left(session: Session, incident: Incident, user_id: str, at: datetime) -> Participant:
    person = _participant(session, incident, user_id)
    if person is None:
        person = Participant(incident_id=incident.id, user_id=user_id, joined_at=at, left_at=at)
        session.add(person)
        session.flush()
        return person
    rejoined = session.scalars(
        select(TimelineEvent.id).where(
            TimelineEvent.incident_id == incident.id,
            TimelineEvent.kind == JOIN,
            TimelineEvent.user_id == user_id,
            TimelineEvent.occurred_at > at,
        )
    ).first()
    if rejoined is None and (person.left_at is None or at > person.left_at):
        person.left_at = at
    return person


def _participant(session: Session, incident: Incident, user_id: str) -> Participant | None:
    return session.scalars(
        select(Participant).where(
            Participant.incident_id == incident.id, Participant.user_id == user_id
        )
    ).first()


def participants(session: Session, incident: Incident) -> list[Participant]:
    """Everyone who joined the channel or spoke in it, by first appearance."""
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.incident_id == incident.id)
            .order_by(Participant.joined_at, Participant.id)
        )
    )
