"""When the next status update is due, and the record that makes each reminder go out once.

A reminder is identified by (incident, kind, key) where the key names the
occasion: the due time for update reminders and escalations, the role
assignment for IC fatigue. A row in ``sent_reminders`` claims the occasion
before anything is posted, so a second process or a re-run finds it and stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, select, tuple_
from sqlalchemy.orm import Session, aliased

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
    """Everything that should have gone out by ``now`` and has not: the sweep's to-do list.

    The sweep runs every half minute in the leader; asking about each open
    incident in turn cost three or four queries apiece. Three queries cover
    them all: the overdue incidents, their reminders, and the long-serving ICs
    with any fatigue nudge already sent.
    """
    is_open = (Incident.status.not_in(statuses.not_open), Incident.channel_id.is_not(None))
    overdue = {
        incident_id: key_for(due)
        for incident_id, due in session.execute(
            select(Incident.id, Incident.next_update_due_at)
            .where(*is_open, Incident.next_update_due_at <= now)
            .order_by(Incident.id)
        )
    }
    sent = _update_reminders(session, overdue)
    work: dict[int, list[DueWork]] = {}
    for incident_id, key in overdue.items():
        reminded = sent.get((incident_id, REMIND))
        escalated = sent.get((incident_id, ESCALATE))
        if reminded is None or reminded.state == SENDING:
            kind = REMIND
        elif escalated is not None and escalated.state != SENDING:
            kind = ESCALATE  # sent; the clock is left to move on
        elif reminded.state == SENT and reminded.sent_at + grace <= now:
            kind = ESCALATE
        else:
            continue
        work.setdefault(incident_id, []).append(DueWork(incident_id, kind, key))
    if fatigue is not None:
        nudge = aliased(SentReminder)
        tired = session.execute(
            select(RoleAssignment.incident_id, RoleAssignment.id, nudge.state)
            .join(Incident, Incident.id == RoleAssignment.incident_id)
            .outerjoin(
                nudge,
                and_(
                    nudge.incident_id == RoleAssignment.incident_id,
                    nudge.kind == FATIGUE,
                    nudge.key == cast(RoleAssignment.id, String),
                ),
            )
            .where(
                *is_open,
                RoleAssignment.role == roles.INCIDENT_COMMANDER,
                RoleAssignment.ended_at.is_(None),
                RoleAssignment.assigned_at <= now - fatigue,
            )
        )
        for incident_id, assignment_id, state in tired:
            if state is None or state == SENDING:
                work.setdefault(incident_id, []).append(
                    DueWork(incident_id, FATIGUE, str(assignment_id))
                )
    return [item for incident_id in sorted(work) for item in work[incident_id]]


# Row values per query: (incident, key) pairs bind two parameters each, and
# SQLite allows 32,766 parameters in a statement (PostgreSQL 65,535).
PAIRS_PER_QUERY = 5000


def _update_reminders(
    session: Session, overdue: dict[int, str]
) -> dict[tuple[int, str], SentReminder]:
    """The update reminder and escalation of each incident's current due time, if any."""
    pairs = list(overdue.items())
    found: dict[tuple[int, str], SentReminder] = {}
    for start in range(0, len(pairs), PAIRS_PER_QUERY):
        rows = session.scalars(
            select(SentReminder).where(
                SentReminder.kind.in_((REMIND, ESCALATE)),
                tuple_(SentReminder.incident_id, SentReminder.key).in_(
                    pairs[start : start + PAIRS_PER_QUERY]
                ),
            )
        )
        found.update({(row.incident_id, row.kind): row for row in rows})
    return found
