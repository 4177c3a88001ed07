"""Incident numbers: one per declare, in order, never the same twice, never reused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from config import load_settings
from core import incidents
from storage.db import Database
from storage.models import Incident

SEVERITIES = load_settings({}).config.severities


def declare(db: Database, team: str, title: str) -> Incident:
    request = incidents.DeclareRequest(team_id=team, title=title, declared_by="UANN")
    return incidents.open_incident(db, request, SEVERITIES)


def test_concurrent_declares_get_distinct_consecutive_numbers(db: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda n: declare(db, "T1", f"Outage {n}"), range(16)))
    assert sorted(i.number for i in made) == list(range(1, 17))


def test_each_workspace_counts_on_its_own_and_past_rows_stored_by_hand(db: Database) -> None:
    assert declare(db, "T1", "First").number == 1
    assert declare(db, "T2", "Other workspace").number == 1
    with db.session() as session:  # e.g. restored from a backup without its counter
        session.add(Incident(team_id="T1", number=7, title="Restored", severity="SEV3",
                             declared_by="UANN", summary=""))  # fmt: skip
    assert declare(db, "T1", "After the restore").number == 8
