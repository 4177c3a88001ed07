"""``/incident search``: matching incidents with what became of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.analytics.similar import Visible, add_details
from core.errors import InvalidInput
from storage import search
from storage.models import ActionItem, Incident, Postmortem

MAX_QUERY = 300


@dataclass
class Result:
    incident: Incident
    hit: search.Hit
    time_to_resolve: timedelta | None = None
    postmortem: Postmortem | None = None
    open_items: list[ActionItem] = field(default_factory=list)

    @property
    def resolve_seconds(self) -> float | None:
        return self.time_to_resolve.total_seconds() if self.time_to_resolve else None


def find(
    session: Session, words: str, team_id: str, visible: Visible, *, limit: int = 10
) -> list[Result]:
    """The best matches the person may see; private incidents of others stay out."""
    if len(words) > MAX_QUERY:
        raise InvalidInput(f"Search for fewer words: at most {MAX_QUERY} characters.")
    try:
        query = search.parse(words)
    except search.InvalidQuery as exc:
        raise InvalidInput(
            "Tell me what to look for, e.g. `/incident search database timeout`; "
            '`"exact phrase"`, `OR` and `-word` work too.'
        ) from exc
    # Ask for more than needed: some may be private incidents this person cannot see.
    hits = search.search(session, query, team_id, limit=limit * 3)
    incidents = {
        i.id: i
        for i in session.scalars(
            select(Incident).where(Incident.id.in_([h.incident_id for h in hits]))
        )
    }
    results = []
    for hit in hits:
        incident = incidents.get(hit.incident_id)
        if incident is not None and visible(incident):
            results.append(Result(incident, hit))
        if len(results) == limit:
            break
    add_details(session, results)
    return results
