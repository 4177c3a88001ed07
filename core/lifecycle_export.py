"""The lifecycle's part of the incident export: impact, milestones and status updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.when import iso
from storage.models import MILESTONES, Incident, Milestone, StatusUpdate


def impact(_session: Session, incident: Incident) -> dict[str, Any]:
    return {
        "users_affected": incident.users_affected,
        "customer_tier": incident.customer_tier or "",
        "revenue_impact": incident.revenue_impact,
        "support_tickets": incident.support_tickets,
        "services": list(incident.services or []),
        "next_update_due_at": iso(incident.next_update_due_at),
    }


def milestones(session: Session, incident: Incident) -> dict[str, Any]:
    """Every milestone kind, null until reached, so analytics need no special cases."""
    rows = {
        m.kind: m
        for m in session.scalars(select(Milestone).where(Milestone.incident_id == incident.id))
    }
    return {
        kind: ({"at": iso(rows[kind].at), "set_by": rows[kind].set_by} if kind in rows else None)
        for kind in MILESTONES
    }


def status_updates(session: Session, incident: Incident) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident.id)
        .order_by(StatusUpdate.posted_at, StatusUpdate.id)
    )
    return [
        {
            "id": u.id,
            "author_id": u.author_id,
            "status": u.status,
            "happening": u.happening,
            "impact": u.impact,
            "actions": u.actions,
            "next_update_at": iso(u.next_update_at),
            "posted_at": iso(u.posted_at),
            "channel_ts": u.channel_ts,
            "broadcast_ts": u.broadcast_ts,
        }
        for u in rows
    ]
