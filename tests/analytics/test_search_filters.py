"""Search filters (team, excluded incident, date) apply before the result pool is cut."""

from __future__ import annotations

from datetime import timedelta

from storage import search
from storage.db import Database
from storage.models import Incident, TimelineEvent
from storage.search.index import POOL, RECENT
from storage.types import utcnow


def incident(db: Database, team: str, number: int, title: str, summary: str = "") -> int:
    with db.session() as session:
        row = Incident(
            team_id=team, number=number, title=title, severity="SEV2", declared_by="U1",
            summary=summary, declared_at=utcnow() - timedelta(days=30 - number),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def messages(db: Database, incident_id: int, text: str, count: int) -> None:
    with db.session() as session:
        session.add_all(
            TimelineEvent(incident_id=incident_id, kind="message", text=text, occurred_at=utcnow())
            for _ in range(count)
        )


def found(db: Database, words: str, team: str) -> list[int]:
    with db.session() as session:
        return [h.incident_id for h in search.search(session, search.parse(words), team)]


def test_another_teams_newer_chatter_does_not_crowd_out_this_teams_match(db: Database) -> None:
    ours = incident(db, "TOURS", 1, "Quiet night")
    messages(db, ours, "the zebra cache went cold", 1)
    theirs = incident(db, "TTHEIRS", 2, "Noisy night")
    messages(db, theirs, "zebra zebra everywhere", RECENT + 20)

    assert found(db, "zebra", "TOURS") == [ours]
    assert found(db, "zebra", "TTHEIRS") == [theirs]


def test_another_teams_newer_summaries_do_not_crowd_out_this_teams(db: Database) -> None:
    ours = incident(db, "TOURS", 1, "Checkout slow", summary="the okapi pool ran dry")
    for n in range(POOL + 5):
        incident(db, "TTHEIRS", 2 + n, f"Other {n}", summary="okapi okapi again")

    assert found(db, "okapi", "TOURS") == [ours]
