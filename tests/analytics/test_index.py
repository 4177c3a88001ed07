"""The search index follows every write, and heals when a table rebuild drops its triggers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from storage import search
from storage.db import Database
from storage.models import Incident, Postmortem, TimelineEvent
from storage.types import utcnow


def found(db: Database, words: str) -> list[int]:
    with db.session() as session:
        return [h.incident_id for h in search.search(session, search.parse(words), "T1")]


def add_incident(db: Database, title: str, services: tuple[str, ...] = ()) -> int:
    with db.session() as session:
        incident = Incident(
            team_id="T1", number=1 + len(session.scalars(select(Incident.id)).all()),
            title=title, severity="SEV2", declared_by="U1", services=list(services), summary="",
        )  # fmt: skip
        session.add(incident)
        session.flush()
        return incident.id


def say(db: Database, incident_id: int, text: str, kind: str = "message") -> int:
    with db.session() as session:
        event = TimelineEvent(incident_id=incident_id, kind=kind, text=text, occurred_at=utcnow())
        session.add(event)
        session.flush()
        return event.id


def test_every_change_to_the_sources_reaches_the_index(db: Database) -> None:
    first = add_incident(db, "Totals drift", services=("ledger",))
    second = add_incident(db, "Queue backlog")
    event = say(db, second, "the reconciliation job is stuck")
    say(db, second, "alice joined", kind="join")
    assert found(db, "ledger") == [first]  # services are indexed too
    assert found(db, "reconciliation") == [second]
    assert found(db, "joined") == []  # joins and system events carry no words

    with db.session() as session:
        row = session.get_one(TimelineEvent, event)
        row.text, row.edited_at = "the settlement job is stuck", utcnow()
        session.get_one(Incident, first).summary = "Rounding in the FX conversion"
        session.add(Postmortem(incident_id=second, version=1, content="Consumer lag alarms"))
    assert found(db, "reconciliation") == [] and found(db, "settlement") == [second]
    assert found(db, "rounding") == [first] and found(db, "alarms") == [second]

    with db.session() as session:
        session.get_one(TimelineEvent, event).deleted_at = utcnow() + timedelta(seconds=1)
    assert found(db, "settlement") == []
    with db.session() as session:
        session.execute(delete(Incident).where(Incident.id == second))
    assert found(db, "alarms") == [] and found(db, "backlog") == []


def test_lost_triggers_are_put_back_and_the_gap_reindexed(db: Database) -> None:
    incident = add_incident(db, "Payments retries")
    assert search.repair(db) is False  # nothing to do
    # What a batch migration rebuilding timeline_events does on SQLite.
    with db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER search_timeline_ai")
        else:
            connection.exec_driver_sql("DROP TRIGGER search_timeline ON timeline_events")
    say(db, incident, "idempotency keys collided")
    assert found(db, "idempotency") == []
    assert search.repair(db) is True
    assert found(db, "idempotency") == [incident]
    say(db, incident, "fixed the key generator")
    assert found(db, "generator") == [incident]
    with db.engine.connect() as connection:
        assert search.missing_triggers(connection) == set()
