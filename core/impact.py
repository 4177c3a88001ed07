"""Business impact: how many users, which customers, how much revenue, how many tickets."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.events import record_system_event
from storage.models import Incident

MAX_TIER = 100
MAX_SERVICES = 30


@dataclass
class Impact:
    users_affected: int | None = None
    customer_tier: str = ""
    revenue_impact: float | None = None
    support_tickets: int | None = None
    services: list[str] = field(default_factory=list)


def parse_count(text: str | None, what: str) -> int | None:
    value = (text or "").strip().replace(",", "").replace("_", "")
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{what} should be a whole number, like 1200.") from None
    if number < 0:
        raise InvalidInput(f"{what} cannot be negative.")
    return number


def parse_amount(text: str | None, what: str) -> float | None:
    value = (text or "").strip().replace(",", "").lstrip("$€£").strip()
    if not value:
        return None
    try:
        amount = float(value)
    except ValueError:
        raise InvalidInput(f"{what} should be a number, like 25000.") from None
    if amount < 0 or amount != amount or amount == float("inf"):
        raise InvalidInput(f"{what} should be a positive amount.")
    return amount


def parse_services(text: str | None) -> list[str]:
    services = [s.strip() for s in (text or "").split(",") if s.strip()]
    if len(services) > MAX_SERVICES:
        raise InvalidInput(f"List at most {MAX_SERVICES} services.")
    return services


def describe(impact: Impact) -> str:
    parts = []
    if impact.users_affected is not None:
        parts.append(f"{impact.users_affected:,} users affected")
    if impact.customer_tier:
        parts.append(f"tier: {impact.customer_tier}")
    if impact.revenue_impact is not None:
        parts.append(f"est. revenue impact {impact.revenue_impact:,.0f}")
    if impact.support_tickets is not None:
        parts.append(f"{impact.support_tickets} support tickets")
    if impact.services:
        parts.append("services: " + ", ".join(impact.services))
    return "; ".join(parts) or "cleared"


def record(session: Session, incident: Incident, impact: Impact, actor: str) -> str:
    """Replace the stored impact with ``impact``; returns a one-line description."""
    tier = impact.customer_tier.strip()
    if len(tier) > MAX_TIER:
        raise InvalidInput(f"Keep the customer tier under {MAX_TIER} characters.")
    incident.users_affected = impact.users_affected
    incident.customer_tier = tier
    incident.revenue_impact = impact.revenue_impact
    incident.support_tickets = impact.support_tickets
    incident.services = list(impact.services)
    summary = describe(impact)
    record_system_event(
        session,
        incident,
        "impact_updated",
        f"<@{actor}> recorded the impact: {summary}",
        actor,
        users_affected=impact.users_affected,
        customer_tier=tier,
        revenue_impact=impact.revenue_impact,
        support_tickets=impact.support_tickets,
        services=list(impact.services),
    )
    return summary
