"""Work that runs for every open incident costs the same few queries however many there are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, inspect

from bot.workflows import action_digest
from config.lifecycle import parse_statuses
from core import cadence
from storage.db import Database
from storage.models import ActionItem, Incident
from storage.types import utcnow
from tests.support import open_incidents as seeded

STATUSES = parse_statuses(None)
NOW = utcnow()


@contextmanager
def counting(database: Database) -> Iterator[list[str]]:
    """Every SELECT the engine runs inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def sweep(database: Database) -> tuple[list[cadence.DueWork], int]:
    with counting(database) as seen, database.session() as session:
        work = cadence.due_work(session, NOW, seeded.GRACE, seeded.FATIGUE, STATUSES)
    return work, len(seen)


def test_the_sweep_finds_each_kind_of_due_work(db: Database) -> None:
    states = [
        seeded.QUIET,
        seeded.UNREMINDED,
        seeded.HALF_SENT,
        seeded.GRACE_OVER,
        seeded.ESCALATED,
        seeded.TIRED,
        seeded.FRESH,
    ]
    ids = dict(zip(states, seeded.seed(db, states, NOW), strict=True))
    with db.session() as session:  # closed, or never given a channel: not the sweep's business
        closed = session.get_one(Incident, ids[seeded.UNREMINDED])
        session.add(
            Incident(
                team_id="T1",
                number=99,
                title="Closed",
                severity="SEV2",
                status="closed",
                declared_by="UALICE",
                channel_id="C99",
                next_update_due_at=closed.next_update_due_at,
            )
        )
    work, _ = sweep(db)
    found = {(w.incident_id, w.kind) for w in work}
    assert found == {
        (ids[seeded.UNREMINDED], cadence.REMIND),
        (ids[seeded.HALF_SENT], cadence.REMIND),
        (ids[seeded.GRACE_OVER], cadence.ESCALATE),
        (ids[seeded.ESCALATED], cadence.ESCALATE),
        (ids[seeded.TIRED], cadence.FATIGUE),
    }
    assert len(work) == len(found)


def test_the_sweep_costs_the_same_for_one_open_incident_as_for_forty(db: Database) -> None:
    seeded.seed(db, [seeded.QUIET], NOW)
    _, one = sweep(db)
    seeded.seed(db, [seeded.QUIET, seeded.TIRED, seeded.UNREMINDED] * 13, NOW, start=2)
    work, forty = sweep(db)
    assert len(work) == 26
    assert forty == one, f"{one} queries for one open incident, {forty} for forty"


def test_the_digest_finds_every_incident_commander_in_one_query(db: Database) -> None:
    ids = seeded.seed(db, [seeded.QUIET] * 30, NOW)
    with db.session() as session:
        for incident_id in ids:
            session.add(ActionItem(incident_id=incident_id, text="x", created_by="UBOB"))
    with counting(db) as seen, db.session() as session:
        found = action_digest._incident_commanders(session, set(ids))
    assert found == dict.fromkeys(ids, "UALICE")
    assert len(seen) == 1


def test_the_tables_the_sweep_and_the_digest_filter_on_are_indexed(db: Database) -> None:
    indexes = inspect(db.engine)
    by_table = {
        table: [tuple(ix["column_names"]) for ix in indexes.get_indexes(table)]
        for table in ("status_updates", "action_items")
    }
    assert any(cols[0] == "incident_id" for cols in by_table["status_updates"])
    assert any(cols[0] == "incident_id" for cols in by_table["action_items"])
    assert any(cols[0] == "status" for cols in by_table["action_items"])
