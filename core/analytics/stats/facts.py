"""The incident facts every metric reads, loaded once per period.

Each family of metric works on these plain rows rather than on ORM objects,
so a quarter of a large history is two narrow indexed reads (incidents, then
their milestones) shared by counts, response times, repeats and load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Severities
from storage.models import Incident, Milestone


@dataclass
class IncidentFacts:
    id: int
    number: int
    title: str
    severity: str
    status: str
    is_private: bool
    services: list[str]
    category: str
    tags: list[str]
    declared_at: datetime
    users_affected: int | None = None
    support_tickets: int | None = None
    revenue_impact: float | None = None
    customer_tier: str = ""
    milestones: dict[str, datetime] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return f"INC-{self.number}"

    @property
    def started_at(self) -> datetime:
        return self.milestones.get("impact_started") or self.declared_at

    def span(self, start: str, end: str) -> timedelta | None:
        begin = self.milestones.get(start)
        if start == "started":
            begin = self.started_at
        finish = self.milestones.get(end)
        if begin is None or finish is None or finish < begin:
            return None
        return finish - begin

    @property
    def ended_at(self) -> datetime | None:
        return self.milestones.get("resolved") or self.milestones.get("closed")


def load_incidents(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    with_milestones: bool = True,
    tagged_only: bool = False,
) -> list[IncidentFacts]:
    """Incidents declared in [start, end), oldest first, with their milestones if asked."""
    rows = session.execute(
        select(
            Incident.id,
            Incident.number,
            Incident.title,
            Incident.severity,
            Incident.status,
            Incident.is_private,
            Incident.services,
            Incident.root_cause_category,
            Incident.tags,
            Incident.declared_at,
            Incident.users_affected,
            Incident.support_tickets,
            Incident.revenue_impact,
            Incident.customer_tier,
        )
        .where(
            Incident.team_id == team_id,
            Incident.declared_at >= start,
            Incident.declared_at < end,
            Incident.channel_id.is_not(None) | (Incident.setup_state == "ready"),
            *([Incident.root_cause_category != ""] if tagged_only else []),
        )
        .order_by(Incident.declared_at, Incident.id)
    )
    facts = {
        row.id: IncidentFacts(
            id=row.id,
            number=row.number,
            title=row.title,
            severity=row.severity,
            status=row.status,
            is_private=row.is_private,
            services=[str(s) for s in (row.services or [])],
            category=row.root_cause_category or "",
            tags=[str(t) for t in (row.tags or [])],
            declared_at=row.declared_at,
            users_affected=row.users_affected,
            support_tickets=row.support_tickets,
            revenue_impact=row.revenue_impact,
            customer_tier=row.customer_tier or "",
        )
        for row in rows
    }
    if not with_milestones:
        return list(facts.values())
    milestone_rows = session.execute(
        select(Milestone.incident_id, Milestone.kind, Milestone.at)
        .join(Incident, Incident.id == Milestone.incident_id)
        .where(
            Incident.team_id == team_id, Incident.declared_at >= start, Incident.declared_at < end
        )
    )
    for incident_id, kind, at in milestone_rows:
        if incident_id in facts:
            facts[incident_id].milestones[kind] = at
    return list(facts.values())


def severity_level(severities: Severities, key: str) -> int:
    """The level of a severity key; one no longer configured sorts after every real level."""
    found = severities.get(key)
    return found.level if found else 99
