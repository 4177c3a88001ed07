"""The action-item domain on its own: stats, and who is nudged when."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from config import load_config
from core import access, action_items, incidents, nudges
from core.errors import InvalidInput
from storage.db import Database
from storage.models import ActionItem, Incident

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
SCHEDULE = nudges.Schedule(weekday=0, at=time(9, 0), due_soon_days=2, escalate_after_days=7)


def make_incident(db: Database) -> int:
    request = incidents.DeclareRequest(team_id="T1", title="Pool exhausted", declared_by="UIC")
    return incidents.open_incident(db, request, load_config(None).severities).id


def test_stats_count_open_overdue_rate_and_median_by_owner_and_team(db: Database) -> None:
    incident_id = make_incident(db)
    today = NOW.date()
    with db.session() as session:
        incident = session.get_one(Incident, incident_id)

        def item(owner: str, created_days_ago: int, **fields: object) -> ActionItem:
            row = action_items.create(session, incident, f"task for {owner}", "UIC", owner_id=owner)
            row.created_at = NOW - timedelta(days=created_days_ago)
            for name, value in fields.items():
                setattr(row, name, value)
            return row

        done_fast = item("UA", 40)
        action_items.complete(session, done_fast, "UA", at=NOW - timedelta(days=38))  # 2 days
        done_late = item("UA", 60)
        action_items.complete(session, done_late, "UA", at=NOW - timedelta(days=10))  # 50 days
        item("UB", 45)  # open, past the window: counts against the rate
        item("UB", 3, due_date=today - timedelta(days=1))  # open, young, overdue: not decided yet
        dropped = item("UB", 50)
        action_items.drop(session, dropped, "UB", "not needed")

    with db.session() as session:
        figures = action_items.stats(
            session, "T1", today, team_of={"UA": "db", "UB": "web"}.get, now=NOW
        )
    overall = figures.overall
    assert (overall.open, overall.overdue, overall.done) == (2, 1, 2)
    assert overall.decided == 3 and overall.completion_rate == pytest.approx(1 / 3)
    assert overall.median_time_to_complete == timedelta(days=26)  # median of 2 and 50 days
    by_owner = {g.name: g for g in figures.by_owner}
    assert by_owner["UA"].completion_rate == 0.5 and by_owner["UB"].completion_rate == 0.0
    assert [g.name for g in figures.by_team] == ["web", "db"]  # most overdue first
    with db.session() as session:
        assert action_items.stats(session, "T-other", today, team_of=lambda _: "").overall.open == 0


def test_closed_items_refuse_changes(db: Database) -> None:
    incident_id = make_incident(db)
    with db.session() as session:
        incident = session.get_one(Incident, incident_id)
        row = action_items.create(session, incident, "Add alerts", "UIC", owner_id="UA")
        action_items.complete(session, row, "UA", "https://example.com/pr/1")
        with pytest.raises(InvalidInput, match="already done"):
            action_items.drop(session, row, "UA")
        with pytest.raises(InvalidInput, match="already done"):
            action_items.reassign(session, row, "UB", "UA")
    with db.session() as session, pytest.raises(Exception, match="no action item AI-999"):
        access.item(session, 999, "T1", visible=lambda _incident: True)


def item(item_id: int, owner: str, due: date | None, **fields: object) -> ActionItem:
    row = ActionItem(
        id=item_id,
        incident_id=1,
        text="x",
        owner_id=owner,
        due_date=due,
        status="open",
        priority="p2",
        snoozed_until=None,
        ic_notified_at=None,
    )
    for name, value in fields.items():
        setattr(row, name, value)
    return row


def plan(rows: list[ActionItem], now: datetime = NOW, zones: dict | None = None) -> list:
    zones = zones or {}
    return nudges.plan(rows, now, SCHEDULE, lambda u: zones.get(u, "UTC"), lambda _i: "UIC")


def test_plan_digest_nudges_and_escalation() -> None:
    today = NOW.date()
    rows = [
        item(1, "UA", None),
        item(2, "UA", today + timedelta(days=2)),  # due soon
        item(3, "UA", today - timedelta(days=1)),  # overdue by a day
        item(4, "UB", today - timedelta(days=8)),  # overdue past the escalation point
        item(5, "UB", None, snoozed_until=today + timedelta(days=3)),
        item(6, "UB", today + timedelta(days=9)),
        item(7, "UC", today - timedelta(days=9), ic_notified_at=NOW),  # already escalated
        item(8, "UA", None, status="done"),
    ]
    planned = {(p.user_id, p.kind, p.key): p.item_ids for p in plan(rows)}
    assert planned == {
        ("UA", "digest", "2026-W48"): (3, 2, 1),
        ("UA", "overdue", "2026-11-24"): (3,),
        ("UA", "due-soon", "2026-11-27"): (2,),
        ("UB", "digest", "2026-W48"): (4, 6),
        ("UB", "overdue", "2026-11-17"): (4,),
        ("UC", "digest", "2026-W48"): (7,),
        ("UC", "overdue", "2026-11-16"): (7,),
        ("UIC", "escalation", "2026-11-25"): (4,),
    }


def test_plan_waits_for_each_owners_own_digest_time() -> None:
    monday_early_utc = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 07:00 UTC
    rows = [item(1, "UTOKYO", None), item(2, "UNY", None)]
    zones = {"UTOKYO": "Asia/Tokyo", "UNY": "America/New_York"}
    planned = plan(rows, monday_early_utc, zones)
    # 16:00 in Tokyo: due. 02:00 in New York: not yet (and last week's was Sunday's week).
    assert [(p.user_id, p.key) for p in planned] == [("UTOKYO", "2026-W48")]


def test_one_dm_per_person_per_run_digest_first_and_escalations_apart() -> None:
    def planned(user: str, kind: str, key: str = "k") -> nudges.Planned:
        return nudges.Planned(user, key, kind, (1,))

    run = [
        planned("UA", "digest"),
        planned("UB", "digest"),
        planned("UB", "overdue", "2026-11-24"),
        planned("UA", "due-soon", "2026-11-27"),
        planned("UC", "due-soon", "2026-11-26"),
        planned("UC", "overdue", "2026-11-20"),
        planned("UA", "escalation"),
    ]
    grouped = [[(p.user_id, p.kind) for p in bundle] for bundle in nudges.by_person(run)]
    assert grouped == [
        [("UA", "digest"), ("UA", "due-soon")],
        [("UB", "digest"), ("UB", "overdue")],
        [("UC", "due-soon"), ("UC", "overdue")],
        [("UA", "escalation")],
    ]
    today = NOW.date()
    assert nudges.section_of(today - timedelta(days=1), today, 2) == "overdue"
    assert (
        nudges.section_of(today, today, 2)
        == nudges.section_of(today + timedelta(days=2), today, 2)
        == "due-soon"
    )
    assert nudges.section_of(today + timedelta(days=3), today, 2) == "rest"
    assert nudges.section_of(None, today, 2) == "rest"
