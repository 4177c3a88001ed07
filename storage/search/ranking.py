"""Incidents matching a query, ranked: the backend's lookups merged into one score.

Every lookup is bounded, so a common word among a million messages costs an
index walk that stops early, not a million-row sort (see ``search``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.search.backend import for_dialect
from storage.search.excerpts import excerpt
from storage.search.index import (
    INCIDENT,
    POOL,
    POSTMORTEM,
    PROFILE_SOURCES,
    RECENT,
    TIMELINE,
    Walk,
)
from storage.search.query import Query


@dataclass
class Hit:
    incident_id: int
    score: float  # higher is more relevant
    matches: int  # matching documents found (summary, postmortem, recent messages)
    source: str = ""  # where the best match is: incident, timeline or postmortem
    excerpt: str = ""


@dataclass
class _Partial:
    title: float = 0.0  # relevance of the title, ranked across all history
    title_doc: int | None = None
    bodies: int = 0  # matching summaries and postmortems among the newest matches
    body_doc: int | None = None
    messages: int = 0  # matching messages among the newest matches
    message_doc: int | None = None


def search(
    session: Session,
    query: Query,
    team_id: str,
    *,
    limit: int = 10,
    sources: Iterable[str] | None = None,
    exclude_incident_id: int | None = None,
    declared_before: datetime | None = None,
    walk: Walk | None = None,
) -> list[Hit]:
    """Incidents matching ``query``, most relevant first, each with its best excerpt.

    Every lookup is bounded, whatever the size of the history:

    - titles, ranked by relevance (bm25 / ts_rank) over every incident;
    - descriptions, summaries and postmortems: the ``POOL`` newest matches;
    - timeline messages: the ``RECENT`` newest matches (on PostgreSQL a word
      of middling frequency is counted within a bounded number of the newest
      messages; see ``Walk``).

    Ranking every match of a common word among a million messages costs
    hundreds of milliseconds; walking the index newest first and stopping
    early costs one or two. A title match outranks a summary or postmortem
    match, which outranks chat mentions; how many matched lifts an incident
    within that order. ``walk`` bounds the message lookup on PostgreSQL
    (``storage.search.postgres.MESSAGE_WALK`` unless given).
    """
    only = set(sources) if sources else {INCIDENT, TIMELINE, POSTMORTEM}
    backend = for_dialect(session.get_bind().dialect.name)
    clauses, params = _filters(team_id, exclude_incident_id, declared_before)
    found: dict[int, _Partial] = {}
    profile = tuple(sorted(only & set(PROFILE_SOURCES)))
    if INCIDENT in only:
        for row in backend.titles(session, query, clauses, params):
            entry = found.setdefault(row.incident_id, _Partial())
            entry.title, entry.title_doc = float(row.best), row.doc_id
    if profile:
        for row in backend.newest(session, query, profile, POOL, clauses, params):
            entry = found.setdefault(row.incident_id, _Partial())
            entry.bodies, entry.body_doc = int(row.matches), row.doc_id
    if TIMELINE in only:
        rows = backend.newest(session, query, (TIMELINE,), RECENT, clauses, params, walk)
        for row in rows:
            entry = found.setdefault(row.incident_id, _Partial())
            entry.messages, entry.message_doc = int(row.matches), row.doc_id
    if not found:
        return []
    top_title = max(p.title for p in found.values()) or 1.0
    top_bodies = max(p.bodies for p in found.values()) or 1
    top_messages = max(p.messages for p in found.values()) or 1
    hits = []
    for incident_id, part in found.items():
        score = 2.0 * part.title / top_title
        if part.bodies:
            score += 0.6 + 0.2 * math.log1p(part.bodies) / math.log1p(top_bodies)
        score += 0.5 * math.log1p(part.messages) / math.log1p(top_messages)
        hits.append(Hit(incident_id, round(score, 6), part.bodies + part.messages))
    hits.sort(key=lambda h: (h.score, h.incident_id), reverse=True)
    hits = hits[:limit]
    best_docs: dict[int, tuple[str, int]] = {}
    for hit in hits:
        part = found[hit.incident_id]
        if part.body_doc:
            doc = ("search_documents", part.body_doc)
        elif part.message_doc:
            doc = ("search_messages", part.message_doc)
        else:
            doc = ("search_documents", part.title_doc or 0)
        best_docs[hit.incident_id] = doc
    _add_excerpts(session, hits, best_docs, query)
    return hits


def _filters(
    team_id: str, exclude_incident_id: int | None, declared_before: datetime | None
) -> tuple[str, dict[str, Any]]:
    clauses, params = "i.team_id = :team", {"team": team_id}
    if exclude_incident_id is not None:
        clauses += " AND i.id <> :exclude"
        params["exclude"] = exclude_incident_id
    if declared_before is not None:
        clauses += " AND i.declared_at < :before"
        params["before"] = declared_before
    return clauses, params


def _add_excerpts(
    session: Session, hits: list[Hit], best_docs: dict[int, tuple[str, int]], query: Query
) -> None:
    docs: dict[tuple[str, int], Any] = {}
    for table, columns in (
        ("search_documents", "id, source, body"),
        ("search_messages", "id, 'timeline' AS source, body"),
    ):
        ids = [doc_id for t, doc_id in best_docs.values() if t == table]
        if ids:
            listed = ", ".join(str(int(i)) for i in ids)
            for row in session.execute(
                text(f"SELECT {columns} FROM {table} WHERE id IN ({listed})")
            ):
                docs[(table, row.id)] = row
    for hit in hits:
        doc = docs.get(best_docs[hit.incident_id])
        if doc is None:
            continue
        hit.source = doc.source
        # An incident row matched on its title says nothing new in an excerpt.
        hit.excerpt = excerpt(doc.body, query.words, require_match=doc.source == INCIDENT)
