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
    chosen = pick(candidates(session, words, team_id, limit=limit), visible, limit)
    add_details(session, chosen)
    return chosen


def candidates(session: Session, words: str, team_id: str, *, limit: int = 10) -> list[Result]:
    """Best matches first, more than ``limit``: some may be private incidents the person
    cannot see. Callers that ask Slack who may see them do so after this session ends."""
    if len(words) > MAX_QUERY:
        raise InvalidInput(f"Search for fewer words: at most {MAX_QUERY} characters.")
    try:
        query = search.parse(words)
    except search.InvalidQuery as exc:
        raise InvalidInput(
            "Tell me what to look for, e.g. `/incident search database timeout`; "
            '`"exact phrase"`, `OR` and `-word` work too.'
        ) from exc
    hits = search.search(session, query, team_id, limit=limit * 3)
    incidents = {
        i.id: i
        for i in session.scalars(
            select(Incident).where(Incident.id.in_([h.incident_id for h in hits]))
        )
    }
    return [Result(incidents[h.incident_id], h) for h in hits if h.incident_id in incidents]


def pick(pool: list[Result], visible: Visible, limit: int = 10) -> list[Result]:
    """The first ``limit`` results the person may see, asking no more than needed."""
    chosen = []
    for result in pool:
        if len(chosen) == limit:
            break
        if visible(result.incident):
            chosen.append(result)
    return chosen
