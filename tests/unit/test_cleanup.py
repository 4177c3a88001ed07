"""Every clean-up in Sitrep spares finished incidents: imported, closed, resolved, complete.

Each clean-up query runs against a database holding one incident of every
finished kind, made the way Sitrep makes them, plus the half-made declares a
clean-up exists for. The finished incidents must come out whole, exported
byte for byte as before, however late the clean-up runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.services import Services
from config import load_settings
from core import export, incidents, lifecycle, setup_claims
from core.importer import slack_export
from scheduler.tasks.timeline import prune_processed
from storage.db import Database
from storage.models import SETUP_READY, Incident, ProcessedEvent
from storage.types import utcnow

TEAM = "T1"
SETTINGS = load_settings({})
SEVERITIES = SETTINGS.config.severities
LIFECYCLE = SETTINGS.config.lifecycle


def write_export(folder: Path) -> Path:
    """A tiny workspace export in Slack's layout: one channel, two people, three messages."""
    folder.mkdir()
    users = [
        {"id": "UANN", "name": "ann", "team_id": TEAM, "tz": "UTC", "tz_offset": 0},
        {"id": "UBEN", "name": "ben", "team_id": TEAM, "tz": "UTC", "tz_offset": 0},
    ]
    channel = {"id": "COLD1", "name": "old-outage", "creator": "UANN", "members": ["UANN"]}
    (folder / "users.json").write_text(json.dumps(users))
    (folder / "channels.json").write_text(json.dumps([channel]))
    (folder / "old-outage").mkdir()
    day = [
        {"type": "message", "user": "UANN", "text": "db is down", "ts": "1600000000.000100"},
        {"type": "message", "user": "UBEN", "text": "failing over", "ts": "1600000060.000200"},
        {"type": "message", "user": "UANN", "text": "back up", "ts": "1600000600.000300"},
    ]
    (folder / "old-outage" / "2020-09-13.json").write_text(json.dumps(day))
    return folder


def declare(db: Database, title: str) -> Incident:
    request = incidents.DeclareRequest(team_id=TEAM, title=title, declared_by="UANN")
    return incidents.open_incident(db, request, SEVERITIES)


def complete(db: Database, incident: Incident) -> None:
    """What the declare flow stores once Slack has made the channel and the card."""
    with db.session() as session:
        row = session.get_one(Incident, incident.id)
        row.channel_id = f"CINC{incident.number}"
        row.channel_name = f"inc-{incident.number}"
        row.card_ts = "1700000000.000100"
        row.setup_state = SETUP_READY


def change(db: Database, incident: Incident, step: Callable[..., Any], *args: Any) -> None:
    with db.session() as session:
        step(session, session.get_one(Incident, incident.id), "UANN", *args)


@pytest.fixture
def finished(db: Database, tmp_path: Path) -> dict[str, int]:
    """One incident of every finished kind, by name, with its number."""
    imported = slack_export.import_channel(db, write_export(tmp_path / "export"), "old-outage",
                                           SEVERITIES, team_id=TEAM)  # fmt: skip
    kinds = {"imported": imported.number}
    for kind in ("open and complete", "resolved", "closed"):
        incident = declare(db, f"Checkout {kind}")
        complete(db, incident)
        if kind in ("resolved", "closed"):
            change(db, incident, lifecycle.resolve, "Rolled back", LIFECYCLE)
        if kind == "closed":
            change(db, incident, lifecycle.close, LIFECYCLE)
        kinds[kind] = incident.number
    return kinds


def documents(db: Database, numbers: dict[str, int]) -> dict[str, dict[str, Any]]:
    with db.session() as session:
        return {
            kind: export.incident_document(session, number, team_id=TEAM)
            for kind, number in numbers.items()
        }


def numbers(db: Database) -> set[int]:
    with db.session() as session:
        return set(session.scalars(select(Incident.number)))


def test_the_abandoned_declare_sweep_removes_only_stale_half_made_declares(
    db: Database, finished: dict[str, int]
) -> None:
    before = documents(db, finished)
    abandoned = declare(db, "Process died before the channel existed")
    in_progress = declare(db, "Channel being created right now")
    with db.session() as session:
        session.execute(
            update(Incident)
            .where(Incident.id == abandoned.id)
            .values(setup_claimed_at=utcnow() - setup_claims.STALE_AFTER - timedelta(minutes=1))
        )

    assert setup_claims.remove_abandoned(db) == 1
    assert numbers(db) == {*finished.values(), in_progress.number}
    # However late it runs, the sweep never selects a finished incident.
    assert setup_claims.remove_abandoned(db, now=utcnow() + timedelta(days=3650)) == 1
    assert numbers(db) == set(finished.values())
    assert documents(db, finished) == before


def test_discarding_a_failed_declare_touches_nothing_else(
    db: Database, finished: dict[str, int]
) -> None:
    before = documents(db, finished)
    with db.session() as session:
        rows = list(session.scalars(select(Incident)))
    for row in rows:
        assert incidents.discard(db, row) is False
    assert documents(db, finished) == before

    failed = declare(db, "Slack refused the channel")
    assert incidents.discard(db, failed) is True
    assert numbers(db) == set(finished.values())


def test_pruning_processed_event_ids_leaves_incidents_whole(
    db: Database, finished: dict[str, int]
) -> None:
    before = documents(db, finished)
    with db.session() as session:
        session.add(ProcessedEvent(event_id="EvOLD", received_at=utcnow() - timedelta(days=30)))
        session.add(ProcessedEvent(event_id="EvNEW", received_at=utcnow()))
    prune_processed(Services.build(SETTINGS, db=db))
    with db.session() as session:
        assert list(session.scalars(select(ProcessedEvent.event_id))) == ["EvNEW"]
    assert documents(db, finished) == before


def test_numbers_are_never_given_out_twice(db: Database, finished: dict[str, int]) -> None:
    highest = max(finished.values())
    failed = declare(db, "Discarded declare")
    assert failed.number == highest + 1
    assert incidents.discard(db, failed)
    assert declare(db, "Next declare").number == highest + 2
