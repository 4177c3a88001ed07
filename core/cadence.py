"""When the next status update is due, and the record that makes each reminder go out once.

A reminder is identified by (incident, kind, key) where the key names the
occasion: the due time for update reminders and escalations, the role
assignment for IC fatigue. A row in ``sent_reminders`` claims the occasion
before anything is posted, so a second process or a re-run finds it and stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Severities
from config.lifecycle import Statuses
from core import roles
from storage import claims
from storage.claims import Claim
from storage.db import Database
from storage.models import Incident, RoleAssignment, SentReminder, StatusUpdate

REMIND = "update_due"
ESCALATE = "update_escalation"
FATIGUE = "ic_fatigue"
KINDS = (REMIND, ESCALATE, FATIGUE)

SENDING, SENT, FAILED = "sending", "sent", "failed"


def key_for(due: datetime) -> str:
    return due.isoformat()


def cadence_for(severities: Severities, incident: Incident) -> timedelta | None:
    level = severities.get(incident.severity)
    return level.update_cadence if level else None


def restart_clock(
    incident: Incident, cadence: timedelta | None, at: datetime, statuses: Statuses
) -> None:
    """The next update is due one cadence after ``at``; none for closed or cadence-less ones."""
    if cadence is None or not statuses.is_open(incident.status):
        incident.next_update_due_at = None
    else:
        incident.next_update_due_at = at + cadence


def next_cycle(due: datetime, cadence: timedelta | None, now: datetime) -> datetime | None:
    """After a missed update has been escalated, the next due time still in the future."""
    if cadence is None or cadence <= timedelta(0):
        return None
    missed = max(0, int((now - due) / cadence))
    following = due + cadence * (missed + 1)
    return following if following > now else following + cadence


def last_update(session: Session, incident: Incident) -> StatusUpdate | None:
    return session.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident.id)
        .order_by(StatusUpdate.posted_at.desc(), StatusUpdate.id.desc())
        .limit(1)
    ).first()


def fatigue_due(
    session: Session, incident: Incident, fatigue: timedelta | None
) -> tuple[RoleAssignment, datetime] | None:
    """The current IC's assignment and when a handoff should be suggested."""
    if fatigue is None:
        return None
    holder = roles.current_holder(session, incident, roles.INCIDENT_COMMANDER)
    if holder is None:
        return None
    return holder, holder.assigned_at + fatigue


def reminder(session: Session, incident_id: int, kind: str, key: str) -> SentReminder | None:
    return session.scalars(
        select(SentReminder).where(
            SentReminder.incident_id == incident_id,
            SentReminder.kind == kind,
            SentReminder.key == key,
        )
    ).first()


def claim(
    database: Database, incident_id: int, kind: str, key: str, now: datetime, timeout: timedelta
) -> Claim | None:
    """Reserve the right to send; None when it was sent, or is being sent right now.

    ``Claim.retry`` is True when finishing a send that a stopped process left
    half done; ``Claim.since`` is when that first attempt began.
    """
    occasion = {"incident_id": incident_id, "kind": kind, "key": key}
    return claims.claim(database, claims.SENT_REMINDERS, occasion, now=now, stale_after=timeout)


def finish(
    database: Database, held: Claim, state: str, message_ts: str | None, at: datetime
) -> None:
    claims.finish(
        database, claims.SENT_REMINDERS, held.id, state, message_ts=message_ts, sent_at=at
    )


def release(database: Database, held: Claim) -> None:
    """Give a claim back after a send failed, so the next sweep tries again."""
    claims.release(database, claims.SENT_REMINDERS, held)


@dataclass(frozen=True)
class DueWork:
    incident_id: int
    kind: str
    key: str


def due_work(
    session: Session,
    now: datetime,
    grace: timedelta,
    fatigue: timedelta | None,
    statuses: Statuses,
) -> list[DueWork]:
    """Everything that should have gone out by ``now`` and has not: the sweep's to-do list."""
    work: list[DueWork] = []
    open_incidents = session.scalars(
        select(Incident).where(
            Incident.status.not_in(statuses.not_open), Incident.channel_id.is_not(None)
        )
    )
    for incident in open_incidents:
        due = incident.next_update_due_at
        if due is not None and due <= now:
            key = key_for(due)
            reminded = reminder(session, incident.id, REMIND, key)
            escalated = reminder(session, incident.id, ESCALATE, key)
            if reminded is None or reminded.state == SENDING:
                work.append(DueWork(incident.id, REMIND, key))
            elif escalated is not None and escalated.state != SENDING:
                work.append(DueWork(incident.id, ESCALATE, key))  # sent; advance the clock
            elif reminded.state == SENT and reminded.sent_at + grace <= now:
                work.append(DueWork(incident.id, ESCALATE, key))
        tired = fatigue_due(session, incident, fatigue)
        if tired is not None and tired[1] <= now:
            sent = reminder(session, incident.id, FATIGUE, str(tired[0].id))
            if sent is None or sent.state == SENDING:
                work.append(DueWork(incident.id, FATIGUE, str(tired[0].id)))
    return work
