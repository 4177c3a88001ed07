"""Bounded message lookups find what an unbounded one finds, and phrases stay exact.

On PostgreSQL the newest matching messages are read in passes (a walk over
the newest rows, then the GIN indexes or a further walk); a small ``Walk``
sends a handful of messages down each pass. On SQLite the budget is unused
and the same answers come from FTS5.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from storage import search
from storage.db import Database
from storage.models import Incident, TimelineEvent
from storage.types import utcnow

EVERYTHING = search.Walk(window=100_000, further=0)
# Two rows walked, then every older match fetched through the indexes.
FETCH = search.Walk(window=2, further=0, fetch=1_000_000)
QUERIES = [
    '"connection pool"',
    "pool",
    "connection pool",
    "exhausted -overnight",
    "handles OR exhausted",
    '"pool exhausted" -overnight',
    '"pool of connection"',
    "nowhere",
]


def add_incident(db: Database, title: str, description: str = "") -> int:
    with db.session() as session:
        number = 1 + len(session.scalars(select(Incident.id)).all())
        incident = Incident(
            team_id="T1", number=number, title=title, description=description,
            severity="SEV2", declared_by="U1", services=[], summary="",
        )  # fmt: skip
        session.add(incident)
        session.flush()
        return incident.id


def say(db: Database, incident_id: int, *texts: str) -> None:
    with db.session() as session:
        session.execute(
            insert(TimelineEvent),
            [
                {"incident_id": incident_id, "kind": "message", "text": t, "occurred_at": utcnow()}
                for t in texts
            ],
        )


def hits(db: Database, words: str, walk: search.Walk) -> list[tuple[int, float, int]]:
    with db.session() as session:
        found = search.search(session, search.parse(words), "T1", sources=["timeline"], walk=walk)
    return [(h.incident_id, h.score, h.matches) for h in found]


@pytest.fixture
def history(db: Database) -> dict[str, int]:
    checkout = add_incident(db, "Checkout outage")
    billing = add_incident(db, "Billing outage")
    say(db, checkout, *["the connection pool is exhausted"] * 3)
    say(db, billing, "a pool of connection handles", "routine status update")
    say(db, checkout, *["routine status update"] * 6)
    say(db, billing, "connection pool exhausted overnight", "pool resized")
    say(db, checkout, *["routine status update"] * 4)
    return {"checkout": checkout, "billing": billing}


def test_fetching_through_the_indexes_finds_what_reading_every_row_finds(
    db: Database, history: dict[str, int]
) -> None:
    for words in QUERIES:
        assert hits(db, words, FETCH) == hits(db, words, EVERYTHING), words


def test_phrases_match_adjacent_words_only(db: Database, history: dict[str, int]) -> None:
    for walk in (FETCH, EVERYTHING):
        found = {
            incident: matches for incident, _score, matches in hits(db, '"connection pool"', walk)
        }
        assert found == {history["checkout"]: 3, history["billing"]: 1}
        # A stop word inside a phrase keeps its place; words out of order do not match.
        assert [h[0] for h in hits(db, '"pool of connection"', walk)] == [history["billing"]]
        assert hits(db, '"handles connection"', walk) == []
        assert hits(db, '"pool connection"', walk) == []
        assert [h[0] for h in hits(db, '"connection pool" -overnight', walk)] == [
            history["checkout"]
        ]


def test_a_tight_budget_counts_the_newest_matches_it_could_read(
    db: Database, history: dict[str, int]
) -> None:
    # The 5 newest messages hold one "pool"; 12 are older, too many to walk
    # with a budget of 5, and the index may fetch none. So the lookup counts
    # the matches among the 10 newest: "pool resized" and "connection pool
    # exhausted overnight", both Billing's.
    tight = search.Walk(window=5, further=5, fetch=0)
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            pytest.skip("SQLite's FTS5 index walks newest first without a budget")
    assert {h[0]: h[2] for h in hits(db, "pool", tight)} == {history["billing"]: 2}
    assert {h[0]: h[2] for h in hits(db, "pool", EVERYTHING)} == {
        history["checkout"]: 3,
        history["billing"]: 3,
    }


def test_excluding_a_word_still_ranks_title_matches_first(db: Database) -> None:
    in_title = add_incident(db, "Disk full on the primary")
    in_text = add_incident(db, "Latency on the replica", "disk usage looked normal")
    add_incident(db, "Disk alarm on the cpu host")
    with db.session() as session:
        found = search.search(session, search.parse("disk -cpu"), "T1")
    # PostgreSQL's ts_rank scores every document 1e-20 for a query with a
    # negated word; ranking on the words searched for keeps titles first.
    assert [h.incident_id for h in found] == [in_title, in_text]
