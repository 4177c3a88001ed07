"""Due dates as people type them: ``2026-12-01``, ``in 2w``, ``friday``, ``tomorrow``, ``dec 1``.

Everything is relative to the caller's own calendar day (their Slack time
zone), because "tomorrow" typed at 23:00 in Tokyo is not tomorrow in UTC. A
due date in the past is refused: an item that is overdue the moment it is
written down only teaches people to ignore the nudges.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

from core.errors import InvalidInput
from core.when import zone

MAX_YEARS_AHEAD = 5
EXAMPLES = "`friday`, `tomorrow`, `in 3d`, `in 2w`, `dec 1` or `2026-12-01`"

_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_MONTHS = {
    name.lower(): index
    for index in range(1, 13)
    for name in (
        calendar.month_name[index],
        calendar.month_abbr[index],
        "sept" if index == 9 else "",
    )
    if name
}
_UNITS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7}
_MONTH_UNITS = {"m": 1, "mo": 1, "month": 1, "months": 1}

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_RELATIVE = re.compile(r"^(?:in\s+)?(\d+|a|an|one)\s*([a-z]+)$")
_AGO = re.compile(r"^(\d+|a|an|one)\s*([a-z]+)\s+ago$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?$")


def today_in(tz: str | None, now: datetime | None = None) -> date:
    """The calendar day it is for someone in ``tz`` (UTC when the zone is unknown)."""
    return local_now(tz, now).date()


def local_now(tz: str | None, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(zone(tz))


def _count(word: str) -> int:
    return 1 if word in ("a", "an", "one") else int(word)


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _make_date(year: int, month: int, day: int, said: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"`{said}` is not a real date. Try {EXAMPLES}.") from None


def _month_and_day(month_word: str, day: int, year: str | None, today: date, said: str) -> date:
    month = _MONTHS.get(month_word)
    if month is None:
        raise InvalidInput(f"`{said}` is not a date I understand. Try {EXAMPLES}.")
    if year:
        return _make_date(int(year), month, day, said)
    found = _make_date(today.year, month, day, said)
    # "dec 1" typed in December after the 1st means next year's.
    return found if found >= today else _make_date(today.year + 1, month, day, said)


def recognize(text: str, today: date) -> date | None:
    """The date ``text`` names, or None when it does not look like a date at all.

    Raises ``InvalidInput`` for things that are dates but unusable (a day that
    does not exist, or one in the past), so a typo is never silently ignored.
    """
    said = " ".join(text.strip().split())
    words = said.lower().rstrip(".")
    found: date | None = None
    if words in ("today", "tonight", "eod"):
        found = today
    elif words == "tomorrow":
        found = today + timedelta(days=1)
    elif words == "yesterday":
        found = today - timedelta(days=1)
    elif words in ("next week",):
        found = today + timedelta(days=7 - today.weekday())
    elif words in ("end of week", "eow"):
        found = today + timedelta(days=(4 - today.weekday()) % 7)
    elif words in ("end of month", "eom"):
        found = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    elif (weekday := _WEEKDAYS.get(words.removeprefix("next ").removeprefix("this "))) is not None:
        # A weekday is the next one after today: "friday" on a Friday is a week away.
        found = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    elif match := _ISO.match(words):
        found = _make_date(int(match[1]), int(match[2]), int(match[3]), said)
    elif match := _AGO.match(words):
        if match[2] not in _UNITS and match[2] not in _MONTH_UNITS:
            return None
        found = today - timedelta(days=1)  # any "... ago" is in the past
    elif match := _RELATIVE.match(words):
        amount, unit = _count(match[1]), match[2]
        if unit in _UNITS:
            found = today + timedelta(days=amount * _UNITS[unit])
        elif unit in _MONTH_UNITS:
            found = _add_months(today, amount)
        else:
            return None
    elif (match := _MONTH_DAY.match(words)) and match[1] in _MONTHS:
        found = _month_and_day(match[1], int(match[2]), match[3], today, said)
    elif (match := _DAY_MONTH.match(words)) and match[2] in _MONTHS:
        found = _month_and_day(match[2], int(match[1]), match[3], today, said)
    if found is None:
        return None
    if found < today:
        raise InvalidInput(
            f"`{said}` is {found.isoformat()}, which has already passed. A due date must be "
            f"today or later, e.g. {EXAMPLES}."
        )
    if found.year > today.year + MAX_YEARS_AHEAD:
        raise InvalidInput(
            f"`{said}` is {found.isoformat()}, more than {MAX_YEARS_AHEAD} years away. "
            "Pick a nearer date, or leave the due date out."
        )
    return found


def parse(text: str, today: date) -> date:
    """Like ``recognize`` but anything unrecognised is an error too."""
    if not text.strip():
        raise InvalidInput(f"Say when it is due, e.g. {EXAMPLES}.")
    found = recognize(text, today)
    if found is None:
        raise InvalidInput(f"`{text.strip()}` is not a date I understand. Try {EXAMPLES}.")
    return found
