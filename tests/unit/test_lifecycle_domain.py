"""Pure pieces of the lifecycle: times people type, update text, cadence cycles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.render import duration
from core.cadence import next_cycle
from core.errors import InvalidInput
from core.updates import parse_text, validate
from core.when import parse_when

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("", "UTC", NOW),
        ("now", "UTC", NOW),
        ("20m ago", "UTC", NOW - timedelta(minutes=20)),
        ("-2h", "UTC", NOW - timedelta(hours=2)),
        ("14:05", "UTC", datetime(2026, 3, 10, 14, 5, tzinfo=UTC)),
        ("16:00", "UTC", datetime(2026, 3, 9, 16, 0, tzinfo=UTC)),  # later today: yesterday
        ("10:00", "America/New_York", datetime(2026, 3, 10, 14, 0, tzinfo=UTC)),
        ("2026-03-10 09:00", "Europe/Berlin", datetime(2026, 3, 10, 8, 0, tzinfo=UTC)),
        ("2026-03-10T09:00:00+00:00", "Asia/Tokyo", datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, tz: str, expected: datetime) -> None:
    assert parse_when(text, NOW, tz) == expected


@pytest.mark.parametrize("text", ["tomorrow", "25:00", "20m"])
def test_parse_when_refuses_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidInput, match="14:05"):
        parse_when(text, NOW, "UTC")


def test_update_text_fields() -> None:
    draft = parse_text(
        "DB failover running | impact: EU checkout fails | doing: promote | next: 15m"
    )
    assert (draft.happening, draft.impact, draft.actions) == (
        "DB failover running",
        "EU checkout fails",
        "promote",
    )
    assert draft.next_in == timedelta(minutes=15)
    plain = parse_text("Still investigating")
    assert (plain.happening, plain.impact, plain.next_in) == ("Still investigating", "", None)
    lines = parse_text("Rolled back\nImpact: none now\nactions: watching graphs")
    assert (lines.impact, lines.actions) == ("none now", "watching graphs")


def test_update_needs_what_is_happening_and_a_sane_next() -> None:
    with pytest.raises(InvalidInput, match="what is happening"):
        validate(parse_text("impact: lots"))
    with pytest.raises(InvalidInput, match="30m"):
        parse_text("Fixing | next: soonish")
    with pytest.raises(InvalidInput, match="within a week"):
        parse_text("Fixing | next: 30d")


def test_next_cycle_after_a_missed_update() -> None:
    due = NOW
    step = timedelta(minutes=20)
    assert next_cycle(due, step, NOW + timedelta(minutes=5)) == NOW + step
    # After a long outage the next reminder is in the future, not a backlog of past ones.
    assert next_cycle(due, step, NOW + timedelta(minutes=65)) == NOW + timedelta(minutes=80)
    assert next_cycle(due, None, NOW) is None


def test_duration_filter() -> None:
    assert [duration(timedelta(seconds=s)) for s in (45, 1200, 7200, 5400, 90000)] == [
        "45s",
        "20m",
        "2h",
        "1h 30m",
        "1d 1h",
    ]
