"""The past incidents closest to one at hand, and what became of them.

Candidates come from the search index (the words of the title, description,
tags and root cause, against past incidents' summaries and postmortems) and
from shared services. Each is then scored on plain, explainable grounds —
shared words, shared services, same root cause — so the bot can say *why*
it thinks two incidents are alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.analytics.stats import open_action_items
from storage import search
from storage.models import ActionItem, Incident, Milestone, Postmortem

SERVICE_LOOKBACK = timedelta(days=365)
MIN_SCORE = 0.3
TEXT_CANDIDATES = 25
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = """
    a about after again all also an and any are as at be been before being but by can
    could did do does down during each for from had has have having he her here him his
    how i if in into is it its just me more most my no not now of off on once only or
    other our out over own same she should so some such than that the their them then
    there these they this those through to too under until up us very was we were what
    when where which while who why will with would you your
    incident incidents issue issues problem problems inc sev sev1 sev2 sev3 sev4 please
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

Visible = Callable[[Incident], bool]


def words_of(*texts: str | Iterable[str] | None) -> list[str]:
    """Significant lowercase words, in first-seen order."""
    found: dict[str, None] = {}
    for value in texts:
        if not value:
            continue
        parts = [value] if isinstance(value, str) else list(value)
        for part in parts:
            for word in _WORD.findall(str(part).lower().replace("_", " ")):
                if len(word) >= 3 and word not in STOP_WORDS and not word.isdigit():
                    found.setdefault(word, None)
    return list(found)


def _stem(word: str) -> str:
    """Close enough for overlap: "timeouts"/"timeout", "exhausted"/"exhaustion"."""
    return word[:6] if len(word) > 6 else word.rstrip("s")


@dataclass
class Similar:
    incident: Incident
    score: float  # 0..1
    shared_words: list[str] = field(default_factory=list)
    shared_services: list[str] = field(default_factory=list)
    same_category: bool = False
    time_to_resolve: timedelta | None = None
    postmortem: Postmortem | None = None
    open_items: list[ActionItem] = field(default_factory=list)

    @property
    def reason(self) -> str:
        """What the two share, worded to follow "INC-42 had ..."."""
        parts = []
        if self.shared_words:
            parts.append(
                "the same symptom" if len(self.shared_words) >= 3 else "a similar description"
            )
        if self.shared_services:
            names = ", ".join(f"`{s}`" for s in self.shared_services)
            plural = "s" if len(self.shared_services) > 1 else ""
            parts.append(f"the same service{plural} ({names})")
        if self.same_category:
            parts.append(f"the same root cause (`{self.incident.root_cause_category}`)")
        if len(parts) > 1:
            return ", ".join(parts[:-1]) + " and " + parts[-1]
        return parts[0] if parts else "a similar description"


@dataclass(frozen=True)
class Profile:
    """What an incident (or a description of one) is about."""

    team_id: str
    title: str
    description: str = ""
    services: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    category: str = ""
    exclude_id: int | None = None
    before: datetime | None = None

    @classmethod
    def of(cls, incident: Incident) -> Profile:
        return cls(
            team_id=incident.team_id,
            title=incident.title,
            description=incident.description or "",
            services=tuple(incident.services or ()),
            tags=tuple(incident.tags or ()),
            category=incident.root_cause_category or "",
            exclude_id=incident.id,
            before=incident.declared_at,
        )

    @property
    def words(self) -> list[str]:
        return words_of(self.title, self.description, self.tags, self.category)


def find(
    session: Session, profile: Profile, *, limit: int = 3, visible: Visible | None = None
) -> list[Similar]:
    """The closest past incidents, best first, each with its resolution and open items."""
    scored = ranked(session, profile)
    chosen = [s for s in scored if visible is None or visible(s.incident)][:limit]
    add_details(session, chosen)
    return chosen


def ranked(session: Session, profile: Profile) -> list[Similar]:
    """Every past incident alike enough, best first, whoever may see it; callers that ask
    Slack who may see them do so after this session ends, then ``add_details``."""
    words = profile.words
    candidates: dict[int, float] = {}
    if words:
        hits = search.search(
            session,
            search.any_of(words),
            profile.team_id,
            limit=TEXT_CANDIDATES,
            sources=search.PROFILE_SOURCES,
            exclude_incident_id=profile.exclude_id,
            declared_before=profile.before,
        )
        candidates.update({h.incident_id: h.score for h in hits})
    if profile.services:
        candidates.update(
            {i: 0.0 for i in _sharing_services(session, profile) if i not in candidates}
        )
    if not candidates:
        return []
    rows = session.scalars(select(Incident).where(Incident.id.in_(candidates)))
    query_stems = {_stem(w) for w in words}
    scored = [s for s in (_score(i, profile, query_stems) for i in rows) if s is not None]
    scored.sort(key=lambda s: (s.score, candidates.get(s.incident.id, 0.0)), reverse=True)
    return scored


def _sharing_services(session: Session, profile: Profile) -> list[int]:
    """Recent incidents touching any of the profile's services (JSON is filtered here)."""
    wanted = set(profile.services)
    query = select(Incident.id, Incident.services).where(Incident.team_id == profile.team_id)
    if profile.before is not None:
        query = query.where(
            Incident.declared_at < profile.before,
            Incident.declared_at >= profile.before - SERVICE_LOOKBACK,
        )
    if profile.exclude_id is not None:
        query = query.where(Incident.id != profile.exclude_id)
    return [row.id for row in session.execute(query) if wanted & set(row.services or [])][:100]


def _score(incident: Incident, profile: Profile, query_stems: set[str]) -> Similar | None:
    their_words = words_of(
        incident.title,
        incident.description,
        incident.summary,
        incident.tags,
        incident.root_cause_category,
    )
    shared = [w for w in their_words if _stem(w) in query_stems]
    services = sorted(set(profile.services) & set(incident.services or []))
    union = set(profile.services) | set(incident.services or [])
    same_category = bool(profile.category) and profile.category == incident.root_cause_category
    text = min(1.0, len(shared) / max(3, min(len(query_stems), 6))) if query_stems else 0.0
    service = len(services) / len(union) if union else 0.0
    score = 0.6 * text + 0.3 * service + (0.1 if same_category else 0.0)
    if score < MIN_SCORE or (len(shared) < 2 and not services):
        return None
    return Similar(
        incident=incident,
        score=round(score, 3),
        shared_words=shared[:6],
        shared_services=services,
        same_category=same_category,
    )


def add_details(session: Session, chosen: Sequence[Any]) -> None:
    """Fill ``time_to_resolve``, ``postmortem`` and ``open_items`` of each entry's incident."""
    ids = [s.incident.id for s in chosen]
    items = open_action_items(session, ids)
    latest: dict[int, Postmortem] = {}
    if ids:
        for postmortem in session.scalars(
            select(Postmortem).where(Postmortem.incident_id.in_(ids)).order_by(Postmortem.version)
        ):
            latest[postmortem.incident_id] = postmortem
    marks: dict[int, dict[str, datetime]] = {}
    if ids:
        for incident_id, kind, at in session.execute(
            select(Milestone.incident_id, Milestone.kind, Milestone.at).where(
                Milestone.incident_id.in_(ids),
                Milestone.kind.in_(("impact_started", "declared", "resolved")),
            )
        ):
            marks.setdefault(incident_id, {})[kind] = at
    for entry in chosen:
        found = marks.get(entry.incident.id, {})
        start = found.get("impact_started") or found.get("declared")
        end = found.get("resolved")
        if start and end and end >= start:
            entry.time_to_resolve = end - start
        entry.postmortem = latest.get(entry.incident.id)
        entry.open_items = items.get(entry.incident.id, [])
