"""One incident as a JSON document; the schema is described in docs/export.md.

Each section is a function, so features add their part of the document next
to the feature rather than growing one big serializer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import action_items, lifecycle_export
from core import timeline as core_timeline
from core.errors import InvalidInput, NotFound
from core.postmortem import versions as postmortem_versions
from core.when import iso
from storage.models import Incident, RoleAssignment, TimelineEvent

SCHEMA = "sitrep.incident/1"
Section = Callable[[Session, Incident], Any]


def incident_fields(_session: Session, incident: Incident) -> dict[str, Any]:
    return {
        "number": incident.number,
        "reference": incident.reference,
        "team_id": incident.team_id,
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity,
        "status": incident.status,
        "is_private": incident.is_private,
        "services": list(incident.services or []),
        "declared_by": incident.declared_by,
        "declared_at": iso(incident.declared_at),
        "channel_id": incident.channel_id,
        "channel_name": incident.channel_name,
        "source_permalink": incident.source_permalink,
        "summary": incident.summary,
    }


def roles(session: Session, incident: Incident) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(RoleAssignment)
        .where(RoleAssignment.incident_id == incident.id)
        .order_by(RoleAssignment.assigned_at, RoleAssignment.id)
    )
    return [
        {
            "role": r.role,
            "user_id": r.user_id,
            "assigned_by": r.assigned_by,
            "assigned_at": iso(r.assigned_at),
            "ended_at": iso(r.ended_at),
        }
        for r in rows
    ]


def timeline(session: Session, incident: Incident) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident.id)
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
    )
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "ts": e.ts,
            "thread_ts": e.thread_ts,
            "user_id": e.user_id,
            "bot_id": e.bot_id,
            "text": e.text,
            "data": e.data,
            "occurred_at": iso(e.occurred_at),
            "edited_at": iso(e.edited_at),
            "deleted_at": iso(e.deleted_at),
            "deleted_by": e.deleted_by,
            "is_key": e.is_key,
            "categories": list(e.categories or []),
            "files": list((e.data or {}).get("files") or []),
        }
        for e in rows
    ]


def participants(session: Session, incident: Incident) -> list[dict[str, Any]]:
    return [
        {"user_id": p.user_id, "joined_at": iso(p.joined_at), "left_at": iso(p.left_at)}
        for p in core_timeline.participants(session, incident)
    ]


SECTIONS: dict[str, Section] = {
    "incident": incident_fields,
    "roles": roles,
    "timeline": timeline,
    "impact": lifecycle_export.impact,
    "milestones": lifecycle_export.milestones,
    "status_updates": lifecycle_export.status_updates,
    "participants": participants,
    "action_items": action_items.export_section,
    "postmortems": postmortem_versions.export_section,
}


def find(session: Session, number: int, team_id: str | None) -> Incident:
    query = select(Incident).where(Incident.number == number)
    if team_id:
        query = query.where(Incident.team_id == team_id)
    found = list(session.scalars(query))
    if not found:
        raise NotFound(f"There is no incident INC-{number}.")
    if len(found) > 1:
        teams = ", ".join(sorted(i.team_id for i in found))
        raise InvalidInput(f"INC-{number} exists in several workspaces ({teams}); pass --team.")
    return found[0]


def incident_document(session: Session, number: int, team_id: str | None = None) -> dict[str, Any]:
    incident = find(session, number, team_id)
    document: dict[str, Any] = {"schema": SCHEMA}
    for name, section in SECTIONS.items():
        document[name] = section(session, incident)
    return document
