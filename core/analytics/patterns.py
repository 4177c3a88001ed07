"""Pattern notices: "This is the 4th incident involving `database` this month."

A notice is due when an incident makes the count of its kind in the calendar
month reach the configured threshold or more. Each notice is recorded in
``sent_reminders`` under a key naming the pattern and the month, so a retry or
a second process never posts it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.analytics.periods import month
from core.analytics.similar import Similar
from storage import claims
from storage.claims import Claim
from storage.db import Database
from storage.models import Incident

NOTICE_KIND = "pattern"
# A notice claimed by a process that may run elsewhere is posted anyway after this.
STALE_CLAIM = timedelta(minutes=10)
SAME_SYMPTOM = 0.5


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


@dataclass
class Notice:
    kind: str  # service, category or symptom
    subject: str  # "database", "capacity", or the incident's title
    count: int  # incidents of this kind this month, this one included
    month: str  # "May 2026"
    earlier: list[str] = field(default_factory=list)  # INC-40, INC-41 (visible ones)

    @property
    def ordinal(self) -> str:
        return ordinal(self.count)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}:{self.month}"[:100]


def _month_incidents(session: Session, incident: Incident) -> list[Incident]:
    at = incident.declared_at.astimezone(UTC)
    window = month(at.year, at.month)
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.team_id == incident.team_id,
                Incident.declared_at >= window.start,
                Incident.declared_at < window.end,
                Incident.declared_at <= incident.declared_at,
            )
            .order_by(Incident.declared_at, Incident.id)
        )
    )


def detect(
    session: Session,
    incident: Incident,
    threshold: int,
    similar: list[Similar] | None = None,
) -> list[Notice]:
    """The patterns this incident completes, at or over ``threshold`` this month."""
    others = [i for i in _month_incidents(session, incident) if i.id != incident.id]
    label = incident.declared_at.astimezone(UTC).strftime("%B %Y")

    def refs(rows: list[Incident]) -> list[str]:
        return [i.reference for i in rows if not i.is_private]

    notices: list[Notice] = []
    for service in incident.services or []:
        same = [i for i in others if service in (i.services or [])]
        if len(same) + 1 >= threshold:
            notices.append(Notice("service", service, len(same) + 1, label, refs(same)))
    category = incident.root_cause_category
    if category:
        same = [i for i in others if i.root_cause_category == category]
        if len(same) + 1 >= threshold:
            notices.append(Notice("category", category, len(same) + 1, label, refs(same)))
    if similar:
        ids = {i.id for i in others}
        alike = [s.incident for s in similar if s.score >= SAME_SYMPTOM and s.incident.id in ids]
        if len(alike) + 1 >= threshold:
            notices.append(Notice("symptom", incident.title, len(alike) + 1, label, refs(alike)))
    return notices


def claim(database: Database, incident_id: int, notice: Notice, now: datetime) -> Claim | None:
    """Reserve ``notice`` for ``incident_id``; None if it went out or is going out now."""
    occasion = {"incident_id": incident_id, "kind": NOTICE_KIND, "key": notice.key}
    return claims.claim(database, claims.SENT_REMINDERS, occasion, now=now, stale_after=STALE_CLAIM)


def sent(database: Database, held: Claim, at: datetime) -> None:
    claims.finish(database, claims.SENT_REMINDERS, held.id, "sent", sent_at=at)


def unclaim(database: Database, held: Claim) -> None:
    """Forget a claim whose post failed, so the notice can go out later."""
    claims.release(database, claims.SENT_REMINDERS, held)
