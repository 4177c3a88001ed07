"""Many open incidents in one go, in the states the cadence sweep has to tell apart."""

from __future__ import annotations

from datetime import datetime, timedelta

from core import cadence, roles
from storage.db import Database
from storage.models import Incident, RoleAssignment, SentReminder

# What has happened to an incident's current update and its IC, by name.
QUIET = "quiet"  # overdue, reminded within the grace, and the IC nudged already
UNREMINDED = "unreminded"  # overdue, nothing sent yet
HALF_SENT = "half_sent"  # overdue, a reminder claimed by a process that died
GRACE_OVER = "grace_over"  # reminded longer ago than the grace: escalate
ESCALATED = "escalated"  # escalated already: only the clock is left to move on
TIRED = "tired"  # not due, but the IC has held command past the fatigue limit
FRESH = "fresh"  # not due, and the IC is new

GRACE = timedelta(minutes=5)
FATIGUE = timedelta(hours=4)


def seed(database: Database, states: list[str], now: datetime, start: int = 1) -> list[int]:
    """One open incident per state (numbered from ``start``); returns their ids."""
    ids = []
    with database.session() as session:
        for offset, state in enumerate(states):
            number = start + offset
            overdue = state not in (TIRED, FRESH)
            due = now - timedelta(minutes=1) if overdue else now + timedelta(minutes=30)
            incident = Incident(
                team_id="T1",
                number=number,
                title=f"Incident {number}",
                severity="SEV2",
                status="investigating",
                declared_by="UALICE",
                channel_id=f"C{number:08d}",
                next_update_due_at=due,
            )
            session.add(incident)
            session.flush()
            held_since = now - timedelta(hours=1) if state == FRESH else now - FATIGUE * 2
            ic = RoleAssignment(
                incident_id=incident.id,
                role=roles.INCIDENT_COMMANDER,
                user_id="UALICE",
                assigned_by="UALICE",
                assigned_at=held_since,
            )
            session.add(ic)
            session.flush()
            key = cadence.key_for(due)
            sent: list[tuple[str, str, str, datetime]] = []
            if state == QUIET:
                sent.append((cadence.REMIND, key, cadence.SENT, now - timedelta(seconds=30)))
            if state == HALF_SENT:
                sent.append((cadence.REMIND, key, cadence.SENDING, now - timedelta(seconds=30)))
            if state in (GRACE_OVER, ESCALATED):
                sent.append((cadence.REMIND, key, cadence.SENT, now - GRACE * 2))
            if state == ESCALATED:
                sent.append((cadence.ESCALATE, key, cadence.SENT, now - GRACE))
            if state != TIRED and state != FRESH:
                sent.append((cadence.FATIGUE, str(ic.id), cadence.SENT, now - FATIGUE))
            # An earlier cycle's reminders, as every long incident has.
            earlier = cadence.key_for(due - timedelta(hours=1))
            sent.append((cadence.REMIND, earlier, cadence.SENT, due - timedelta(hours=1)))
            for kind, reminder_key, state_now, at in sent:
                session.add(
                    SentReminder(
                        incident_id=incident.id,
                        kind=kind,
                        key=reminder_key,
                        state=state_now,
                        sent_at=at,
                    )
                )
            ids.append(incident.id)
    return ids
