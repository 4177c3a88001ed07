"""Reading ``/incident note [at 14:05 | at 2026-01-05T14:05] <text>``.

A bare clock time means the most recent such time in the writer's own time
zone, so "at 23:50" typed just after midnight is last night. ``at`` followed
by something that does not look like a time is just the start of the note
("at least three customers ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.errors import InvalidInput
from core.when import zone

MAX_NOTE = 3000
FUTURE_TOLERANCE = timedelta(minutes=1)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMEISH = re.compile(r"^\d{1,4}[:\-]")
USAGE = "`/incident note [at 14:05 | at 2026-01-05T14:05] <what happened>`"


@dataclass(frozen=True)
class Note:
    text: str
    at: datetime | None  # None: now


def parse_note(args: str, tz: str, now: datetime) -> Note:
    words = args.strip().split()
    at: datetime | None = None
    if len(words) >= 2 and words[0].lower() == "at" and _TIMEISH.match(words[1]):
        when = words[1]
        used = 2
        if _DATE.match(when) and len(words) >= 3 and _CLOCK.match(words[2]):
            when, used = f"{when}T{words[2]}", 3
        at = parse_time(when, tz, now)
        words = words[used:]
    text = " ".join(words).strip()
    if not text:
        raise InvalidInput(f"A note needs some text: {USAGE}.")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"The note is {len(text)} characters; keep it under {MAX_NOTE}.")
    if at is not None and at > now + FUTURE_TOLERANCE:
        raise InvalidInput(
            f"{at.astimezone(zone(tz)):%Y-%m-%d %H:%M %Z} is in the future; a note records "
            "what already happened."
        )
    return Note(text=text, at=at)


def parse_time(value: str, tz: str, now: datetime) -> datetime:
    """``14:05`` (latest past one, in ``tz``) or ISO 8601 (``tz`` when it has no offset)."""
    local_zone = zone(tz)
    clock = _CLOCK.match(value)
    if clock:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InvalidInput(f"`{value}` is not a time of day; write it as 14:05.")
        local_now = now.astimezone(local_zone)
        at = local_now.replace(hour=hour, minute=minute, second=second, microsecond=0)
        if at > local_now + FUTURE_TOLERANCE:
            at -= timedelta(days=1)
        return at.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"`{value}` is not a time I can read. Use 14:05 or 2026-01-05T14:05, e.g. {USAGE}."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone)
    return parsed.astimezone(UTC)
