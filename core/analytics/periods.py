"""The time windows stats and reports cover, and the window before each for trends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from core.errors import InvalidInput

_DAYS = re.compile(r"^(\d{1,4})\s*d(?:ays?)?$")
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str  # "last 30 days", "Q2 2026 so far", "May 2026"
    kind: str = "window"  # window, quarter or month: what a trend compares against

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        return Period(self.start - self.length, self.start, f"the {self.length.days} days before")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlap(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) falls inside the period, so work that began before
        it or runs past it counts only for its share; zero when none does."""
        return max(timedelta(0), min(end, self.end) - max(start, self.start))

    def weeks(self) -> Iterator[tuple[datetime, datetime]]:
        """Seven-day slices from the period's own start (not calendar weeks), so every
        slice but a short last one is comparable; the last stops at the end."""
        start = self.start
        while start < self.end:
            end = min(start + timedelta(days=7), self.end)
            yield start, end
            start = end


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def quarter_of(now: datetime) -> Period:
    first_month = 3 * ((now.month - 1) // 3) + 1
    start = datetime(now.year, first_month, 1, tzinfo=UTC)
    return Period(start, now, f"Q{(now.month - 1) // 3 + 1} {now.year} so far", "quarter")


def month(year: int, month_number: int) -> Period:
    start = datetime(year, month_number, 1, tzinfo=UTC)
    end = datetime(year + month_number // 12, month_number % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end, start.strftime("%B %Y"), "month")


def previous_month(now: datetime) -> Period:
    first = datetime(now.year, now.month, 1, tzinfo=UTC)
    last = first - timedelta(days=1)
    return month(last.year, last.month)


def parse_period(raw: str, now: datetime, default: str = "30d") -> Period:
    """Read ``30d``, ``90d``, ``quarter``, ``month`` or ``2026-05`` (a calendar month)."""
    text = (raw or default).strip().lower()
    if text == "quarter":
        return quarter_of(now)
    if text == "month":
        start = datetime(now.year, now.month, 1, tzinfo=UTC)
        return Period(start, now, f"{start:%B %Y} so far", "month")
    found = re.match(r"^(\d{4})-(\d{2})$", text)
    if found and 1 <= int(found.group(2)) <= 12:
        return month(int(found.group(1)), int(found.group(2)))
    days = _DAYS.match(text)
    if days and 0 < int(days.group(1)) <= MAX_DAYS:
        count = int(days.group(1))
        return Period(now - timedelta(days=count), now, f"last {count} days")
    raise InvalidInput(
        f"`{raw}` is not a period. Use `30d`, `90d` (any number of days), `quarter`, "
        "`month` or a month like `2026-05`."
    )


def parse_since(raw: str, now: datetime) -> Period:
    """``90d`` or a date ``2026-01-01``: from then until now."""
    text = raw.strip().lower()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return parse_period(text, now)
    start = _midnight(day)
    if start >= now:
        raise InvalidInput(f"`{raw}` is not in the past.")
    return Period(start, now, f"since {day.isoformat()}")


def comparison(period: Period) -> Period:
    """What a trend compares against: the same stretch of the previous quarter or month.

    "Q2 so far" is compared with as many days of Q1, so a quarter three weeks
    old is not measured against a whole one; a window with the one before it.
    """
    if period.kind == "quarter":
        months_back = period.start.month - 3
        year = period.start.year + (months_back - 1) // 12
        start = datetime(year, (months_back - 1) % 12 + 1, 1, tzinfo=UTC)
        return Period(start, start + period.length, "the same part of the previous quarter")
    if period.kind == "month":
        before = previous_month(period.start)
        end = min(before.end, before.start + period.length)
        return Period(before.start, end, before.label, "month")
    return period.previous()
