"""The "Incident Intelligence" report: one set of facts, three readers.

Engineering gets technical trends, repeats and follow-through; product gets
customer impact, the insights people marked with :bulb: and the incidents
tagged as product opportunities; leadership gets the trend lines and the
business impact. Private incidents count in every number but are never
named, because the report goes to a shared channel.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from config import Severities
from config.analytics import AnalyticsConfig
from core.analytics.periods import Period
from core.analytics.privacy import masked_names, private_incidents, public_names, shown_names
from core.analytics.stats import (
    IncidentFacts,
    Stats,
    compute,
    for_viewer,
    lookback,
    severity_level,
)
from storage.models import OPEN, ActionItem, Incident, TimelineEvent
from storage.search import plain

INSIGHT = "insight"
CUSTOMER_IMPACT = "customer_impact"
MAX_QUOTES = 8


@dataclass
class Quote:
    incident: str  # INC-42
    title: str
    text: str
    user_id: str | None


@dataclass
class ServiceHealth:
    service: str
    incidents: int
    sev12: int
    impact_hours: float


@dataclass
class Report:
    team_id: str
    generated_at: datetime
    stats: Stats
    sev12: int
    previous_sev12: int
    services: list[ServiceHealth]
    untagged: int
    overdue_items: int
    users_affected: int
    support_tickets: int
    revenue_impact: float
    impact_hours: float
    tiers: list[tuple[str, int]]
    most_impact: list[IncidentFacts]
    insights: list[Quote] = field(default_factory=list)
    customer_quotes: list[Quote] = field(default_factory=list)
    opportunities: list[IncidentFacts] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.stats.period

    def to_dict(self) -> dict[str, Any]:
        def named(incident: IncidentFacts) -> dict[str, Any]:
            return {
                "incident": incident.reference,
                "title": incident.title,
                "severity": incident.severity,
                "users_affected": incident.users_affected,
                "support_tickets": incident.support_tickets,
                "revenue_impact": incident.revenue_impact,
                "customer_tier": incident.customer_tier,
            }

        def quote(q: Quote) -> dict[str, Any]:
            return {"incident": q.incident, "title": q.title, "text": q.text, "user_id": q.user_id}

        return {
            "schema": "sitrep.report/1",
            "title": "Incident Intelligence",
            "team_id": self.team_id,
            "generated_at": self.generated_at.isoformat(),
            "engineering": {
                **self.stats.to_dict(),
                "service_health": [
                    {
                        "service": s.service,
                        "incidents": s.incidents,
                        "sev1_sev2": s.sev12,
                        "impact_hours": round(s.impact_hours, 1),
                    }
                    for s in self.services
                ],
                "untagged_incidents": self.untagged,
                "overdue_action_items": self.overdue_items,
            },
            "product": {
                "users_affected": self.users_affected,
                "support_tickets": self.support_tickets,
                "revenue_impact": self.revenue_impact,
                "impact_hours": round(self.impact_hours, 1),
                "customer_tiers": dict(self.tiers),
                "most_customer_impact": [named(i) for i in self.most_impact],
                "insights": [quote(q) for q in self.insights],
                "customer_impact_notes": [quote(q) for q in self.customer_quotes],
                "opportunities": [named(i) for i in self.opportunities],
            },
            "leadership": {
                "incidents": self.stats.count,
                "previous_incidents": self.stats.previous_count,
                "sev1_sev2": self.sev12,
                "previous_sev1_sev2": self.previous_sev12,
                "median_time_to_resolve_seconds": self.stats.resolve.median,
                "time_to_resolve_change": self.stats.resolve.change,
                "repeat_incidents": len(self.stats.repeats),
                "previous_repeat_incidents": self.stats.previous_repeats,
                "action_items_done_in_window": self.stats.follow_through.share,
                "people_at_risk_of_fatigue": len(self.stats.fatigued),
                "users_affected": self.users_affected,
                "revenue_impact": self.revenue_impact,
                "support_tickets": self.support_tickets,
            },
        }


def _services_of(incident: IncidentFacts) -> list[str]:
    return incident.services


def _impact_hours(incident: IncidentFacts, now: datetime) -> float:
    end = incident.milestones.get("mitigated") or incident.ended_at or now
    start = incident.started_at
    return max(0.0, (end - start).total_seconds() / 3600)


def _quotes(session: Session, incidents: list[IncidentFacts], category: str) -> list[Quote]:
    """Timeline entries people marked with ``category``, from incidents that can be named."""
    named = {i.id: i for i in incidents if not i.is_private}
    if not named:
        return []
    # JSON containment differs by database; the stored JSON text is the same on both.
    marked = cast(TimelineEvent.categories, String).like(f'%"{category}"%')
    rows = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id.in_(list(named)), TimelineEvent.deleted_at.is_(None))
        .where(marked)
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
        .limit(MAX_QUOTES * 4)
    )
    found = []
    for event in rows:
        if category in (event.categories or []) and event.text:
            incident = named[event.incident_id]
            found.append(
                Quote(incident.reference, incident.title, plain(event.text), event.user_id)
            )
    return found[:MAX_QUOTES]


def build(
    session: Session,
    team_id: str,
    period: Period,
    severities: Severities,
    config: AnalyticsConfig,
    *,
    now: datetime,
    window_days: int = 30,
) -> Report:
    stats = compute(session, team_id, period, severities, config, now=now, window_days=window_days)
    # The report goes to a channel: no private incident is named in it.
    hidden = frozenset(i.id for i in private_incidents(session, team_id, *lookback(period)))
    stats = for_viewer(stats, hidden)
    incidents = stats.incidents

    def level(key: str) -> int:
        return severity_level(severities, key)

    services: dict[str, ServiceHealth] = {}
    public = public_names(incidents, hidden, _services_of)
    for incident in incidents:
        for service in shown_names(incident, hidden, public, _services_of):
            health = services.setdefault(service, ServiceHealth(service, 0, 0, 0.0))
            health.incidents += 1
            health.sev12 += level(incident.severity) <= 2
            health.impact_hours += _impact_hours(incident, now)
    impacted = [i for i in incidents if i.users_affected or i.support_tickets or i.revenue_impact]
    overdue = session.scalar(
        select(func.count())
        .select_from(ActionItem)
        .join(Incident, Incident.id == ActionItem.incident_id)
        .where(
            Incident.team_id == team_id,
            ActionItem.status == OPEN,
            ActionItem.due_date < now.date(),
        )
    )
    wanted = set(config.opportunity_tags)
    return Report(
        team_id=team_id,
        generated_at=now,
        stats=stats,
        sev12=sum(1 for i in incidents if level(i.severity) <= 2),
        previous_sev12=sum(n for key, n in stats.previous_by_severity.items() if level(key) <= 2),
        services=sorted(services.values(), key=lambda s: (-s.incidents, -s.impact_hours))[:10],
        untagged=sum(1 for i in incidents if not i.category),
        overdue_items=int(overdue or 0),
        users_affected=sum(i.users_affected or 0 for i in incidents),
        support_tickets=sum(i.support_tickets or 0 for i in incidents),
        revenue_impact=float(sum(i.revenue_impact or 0 for i in incidents)),
        impact_hours=sum(_impact_hours(i, now) for i in impacted),
        tiers=sorted(
            Counter(
                masked_names(
                    incidents, hidden, lambda i: [i.customer_tier] if i.customer_tier else []
                )
            ).items(),
            key=lambda kv: -kv[1],
        ),
        most_impact=sorted(
            (i for i in impacted if not i.is_private),
            key=lambda i: (-(i.users_affected or 0), -(i.support_tickets or 0)),
        )[:5],
        insights=_quotes(session, incidents, INSIGHT),
        customer_quotes=_quotes(session, incidents, CUSTOMER_IMPACT),
        opportunities=[i for i in incidents if not i.is_private and wanted & set(i.tags)],
    )
