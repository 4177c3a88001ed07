"""Stored postmortem versions: each generation adds one, and one may be marked final."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.events import record_system_event
from core.when import iso
from storage.db import Database
from storage.models import Incident, Postmortem
from storage.types import utcnow

DRAFT, FINAL = "draft", "final"


def latest(session: Session, incident_id: int) -> Postmortem | None:
    return session.scalars(
        select(Postmortem)
        .where(Postmortem.incident_id == incident_id)
        .order_by(Postmortem.version.desc())
        .limit(1)
    ).first()


def all_versions(session: Session, incident_id: int) -> list[Postmortem]:
    return list(
        session.scalars(
            select(Postmortem)
            .where(Postmortem.incident_id == incident_id)
            .order_by(Postmortem.version)
        )
    )


def is_final(session: Session, incident_id: int) -> bool:
    found = session.scalar(
        select(func.count())
        .select_from(Postmortem)
        .where(Postmortem.incident_id == incident_id, Postmortem.status == FINAL)
    )
    return bool(found)


def add(
    database: Database,
    incident_id: int,
    *,
    render: Callable[[int], str],
    source: str,
    notice: str,
    created_by: str | None,
) -> Postmortem:
    """Store the next version, rendered for its number by ``render``.

    Two generations at once both succeed: the loser of the unique version
    number renders again for the next one.
    """
    for _attempt in range(10):
        try:
            with database.session() as session:
                highest = session.scalar(
                    select(func.max(Postmortem.version)).where(
                        Postmortem.incident_id == incident_id
                    )
                )
                version = (highest or 0) + 1
                row = Postmortem(
                    incident_id=incident_id,
                    version=version,
                    status=DRAFT,
                    source=source,
                    content=render(version),
                    notice=notice,
                    created_by=created_by,
                    created_at=utcnow(),
                )
                session.add(row)
                session.flush()
                return row
        except IntegrityError:
            continue
    raise RuntimeError("could not store a postmortem version after 10 attempts")


def mark_final(session: Session, incident: Incident, user_id: str) -> Postmortem:
    """The latest version becomes the final one; earlier finals stay as history."""
    row = latest(session, incident.id)
    if row is None:
        raise InvalidInput(
            f"{incident.reference} has no postmortem draft yet. Make one with "
            "`/incident postmortem`, edit it, then run `/incident postmortem done`."
        )
    if row.status == FINAL:
        raise InvalidInput(
            f"Version {row.version} of the {incident.reference} postmortem is already final. "
            "To change it, run `/incident postmortem` for a new draft."
        )
    row.status = FINAL
    row.finalized_at = utcnow()
    record_system_event(
        session,
        incident,
        "postmortem_final",
        f"Postmortem version {row.version} marked final by <@{user_id}>",
        user_id,
        at=row.finalized_at,
        version=row.version,
    )
    return row


def export_section(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Every version for ``sitrep export``, oldest first."""
    return [
        {
            "version": p.version,
            "status": p.status,
            "source": p.source,
            "notice": p.notice,
            "created_by": p.created_by,
            "created_at": iso(p.created_at),
            "finalized_at": iso(p.finalized_at),
            "canvas_id": p.canvas_id,
            "file_id": p.file_id,
            "summary_ts": p.summary_ts,
            "content": p.content,
        }
        for p in all_versions(session, incident.id)
    ]
