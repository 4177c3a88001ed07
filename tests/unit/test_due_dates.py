"""Due dates typed by people, relative to their own calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.due_dates import parse, recognize, today_in
from core.errors import InvalidInput

WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026/12/1", date(2026, 12, 1)),
        ("today", WEDNESDAY),
        ("tomorrow", date(2026, 11, 26)),
        ("in 3d", date(2026, 11, 28)),
        ("in 2w", date(2026, 12, 9)),
        ("in 2 weeks", date(2026, 12, 9)),
        ("in a week", date(2026, 12, 2)),
        ("3 days", date(2026, 11, 28)),
        ("in 1 month", date(2026, 12, 25)),
        ("friday", date(2026, 11, 27)),
        ("Fri", date(2026, 11, 27)),
        ("wednesday", date(2026, 12, 2)),  # the same weekday is a week away
        ("next monday", date(2026, 11, 30)),
        ("next week", date(2026, 11, 30)),
        ("end of month", date(2026, 11, 30)),
        ("dec 1", date(2026, 12, 1)),
        ("1 December 2027", date(2027, 12, 1)),
        ("nov 3", date(2027, 11, 3)),  # already passed this year: next year's
    ],
)
def test_understood_dates(text: str, expected: date) -> None:
    assert parse(text, WEDNESDAY) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-11-24", "2 days ago", "1 Jan 2020"])
def test_past_dates_are_refused_saying_so(text: str) -> None:
    with pytest.raises(InvalidInput, match="already passed"):
        parse(text, WEDNESDAY)


def test_impossible_and_unknown_dates_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not a real date"):
        parse("2026-02-30", WEDNESDAY)
    with pytest.raises(InvalidInput, match="not a date I understand"):
        parse("whenever", WEDNESDAY)
    with pytest.raises(InvalidInput, match="years away"):
        parse("2099-01-01", WEDNESDAY)


def test_words_that_are_not_dates_are_not_recognized() -> None:
    assert recognize("to the outage", WEDNESDAY) is None
    assert recognize("in 3 bananas", WEDNESDAY) is None


def test_today_depends_on_the_time_zone() -> None:
    late_utc = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert today_in("UTC", late_utc) == date(2026, 11, 25)
    assert today_in("Asia/Tokyo", late_utc) == date(2026, 11, 26)
    assert today_in("America/New_York", late_utc) == date(2026, 11, 25)
    assert today_in("Not/AZone", late_utc) == date(2026, 11, 25)
