"""System events: what the bot itself changed, written into the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Incident, TimelineEvent
from storage.types import utcnow


def record_system_event(
    session: Session,
    incident: Incident,
    action: str,
    text: str,
    user_id: str | None,
    at: datetime | None = None,
    **data: Any,
) -> TimelineEvent:
    """Add a timeline entry such as ``declared`` or ``severity_changed``.

    ``action`` is machine-readable so that analytics never parse ``text``.
    """
    event = TimelineEvent(
        incident_id=incident.id,
        kind="system",
        user_id=user_id,
        text=text,
        data={"action": action, **data},
        occurred_at=at or utcnow(),
    )
    session.add(event)
    session.flush()
    return event
