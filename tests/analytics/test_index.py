"""The search index follows every write, and heals when a table rebuild drops its triggers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from storage import migrate, search
from storage.db import Database
from storage.models import Incident, Postmortem, TimelineEvent
from storage.types import utcnow


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    migrate.upgrade(db)
    yield db
    db.dispose()


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


def test_every_change_to_the_sources_reaches_the_index(database: Database) -> None:
    first = add_incident(database, "Totals drift", services=("ledger",))
    second = add_incident(database, "Queue backlog")
    event = say(database, second, "the reconciliation job is stuck")
    say(database, second, "alice joined", kind="join")
    assert found(database, "ledger") == [first]  # services are indexed too
    assert found(database, "reconciliation") == [second]
    assert found(database, "joined") == []  # joins and system events carry no words

    with database.session() as session:
        row = session.get_one(TimelineEvent, event)
        row.text, row.edited_at = "the settlement job is stuck", utcnow()
        session.get_one(Incident, first).summary = "Rounding in the FX conversion"
        session.add(Postmortem(incident_id=second, version=1, content="Consumer lag alarms"))
    assert found(database, "reconciliation") == [] and found(database, "settlement") == [second]
    assert found(database, "rounding") == [first] and found(database, "alarms") == [second]

    with database.session() as session:
        session.get_one(TimelineEvent, event).deleted_at = utcnow() + timedelta(seconds=1)
    assert found(database, "settlement") == []
    with database.session() as session:
        session.execute(delete(Incident).where(Incident.id == second))
    assert found(database, "alarms") == [] and found(database, "backlog") == []


def test_lost_triggers_are_put_back_and_the_gap_reindexed(database: Database) -> None:
    incident = add_incident(database, "Payments retries")
    assert search.repair(database) is False  # nothing to do
    # What a batch migration rebuilding timeline_events does on SQLite.
    with database.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER search_timeline_ai")
        else:
            connection.exec_driver_sql("DROP TRIGGER search_timeline ON timeline_events")
    say(database, incident, "idempotency keys collided")
    assert found(database, "idempotency") == []
    assert search.repair(database) is True
    assert found(database, "idempotency") == [incident]
    say(database, incident, "fixed the key generator")
    assert found(database, "generator") == [incident]
    with database.engine.connect() as connection:
        assert search.missing_triggers(connection) == set()
