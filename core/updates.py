"""Structured status updates: what is happening, the impact, what we are doing, what comes next."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from config import Severities
from config.lifecycle import Statuses
from config.values import ConfigError, parse_duration
from core import cadence
from core.errors import InvalidInput
from core.events import record_system_event
from storage.models import Incident, StatusUpdate
from storage.types import utcnow

MAX_FIELD = 2500
LONGEST_NEXT = timedelta(days=7)
_PREFIX = re.compile(
    r"^(impact|doing|actions?|mitigation|next(?: update)?(?: in)?|happening|what)\s*:\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
# Lines (any line break, U+2028 included) or " | ".
_PARTS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|\\s\\|\\s")
_FIELD_OF = {
    "impact": "impact",
    "doing": "actions",
    "action": "actions",
    "actions": "actions",
    "mitigation": "actions",
    "happening": "happening",
    "what": "happening",
}


@dataclass
class UpdateDraft:
    happening: str
    impact: str = ""
    actions: str = ""
    next_in: timedelta | None = None  # when the author promises the next one


def parse_next(text: str) -> timedelta | None:
    """``30m``, ``1h``, ``in 45m``; empty means the severity's cadence."""
    value = text.strip().lower().removeprefix("in ").strip()
    if not value:
        return None
    try:
        parsed = parse_duration(value, "next")
    except ConfigError:
        raise InvalidInput(
            f"`{text}` is not a time until the next update; write it like `30m` or `1h`."
        ) from None
    assert parsed is not None
    if parsed > LONGEST_NEXT:
        raise InvalidInput("The next update should come within a week.")
    return parsed


def parse_text(text: str) -> UpdateDraft:
    """Free text from ``/incident update``; lines or ``|`` parts may start with a field name.

    ``Failover running | impact: EU checkout down | doing: promoting replica | next: 30m``
    """
    fields = {"happening": [], "impact": [], "actions": []}
    next_in: timedelta | None = None
    for part in _PARTS.split(text):
        part = part.strip()
        if not part:
            continue
        match = _PREFIX.match(part)
        if match is None:
            fields["happening"].append(part)
            continue
        name, value = match.group(1).lower(), match.group(2).strip()
        if name.startswith("next"):
            next_in = parse_next(value)
        else:
            fields[_FIELD_OF[name]].append(value)
    return UpdateDraft(
        happening="\n".join(fields["happening"]),
        impact="\n".join(fields["impact"]),
        actions="\n".join(fields["actions"]),
        next_in=next_in,
    )


def validate(draft: UpdateDraft) -> UpdateDraft:
    draft.happening = draft.happening.strip()
    if not draft.happening:
        raise InvalidInput(
            "An update needs to say what is happening, e.g. `/incident update Failover to the "
            "replica is running | impact: EU checkout failing | doing: promoting the replica "
            "| next: 30m`, or run `/incident update` alone for a form."
        )
    for name in ("happening", "impact", "actions"):
        value = getattr(draft, name).strip()
        if len(value) > MAX_FIELD:
            raise InvalidInput(
                f"The {name} part is {len(value)} characters; keep it under {MAX_FIELD}."
            )
        setattr(draft, name, value)
    return draft


def record(
    session: Session,
    incident: Incident,
    draft: UpdateDraft,
    author: str,
    severities: Severities,
    statuses: Statuses,
    at: datetime | None = None,
) -> StatusUpdate:
    """Store the update and restart the cadence clock from it."""
    draft = validate(draft)
    now = at or utcnow()
    step = draft.next_in or cadence.cadence_for(severities, incident)
    cadence.restart_clock(incident, step, now, statuses)
    update = StatusUpdate(
        incident_id=incident.id,
        author_id=author,
        status=incident.status,
        happening=draft.happening,
        impact=draft.impact,
        actions=draft.actions,
        next_update_at=incident.next_update_due_at,
        posted_at=now,
    )
    session.add(update)
    session.flush()
    record_system_event(
        session,
        incident,
        "status_update",
        f"Status update from <@{author}>: {draft.happening}",
        author,
        at=now,
        update_id=update.id,
    )
    return update
