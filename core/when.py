"""Moments in time: reading the ones people type and writing ours out.

People type ``now``, ``14:05`` in their own zone, ``30m ago``, or ISO 8601;
the export writes them back out as ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput

_AGO = re.compile(r"^(?:-\s*)?(\d+(?:\.\d+)?)\s*([smhd])(?:\s+ago)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
HINT = "Use `now`, a time like `14:05` (your time zone), `30m ago`, or `2026-01-05 14:05`."


def zone(tz: str | None) -> ZoneInfo:
    """Someone's time zone; UTC when Slack gave none or one this system does not know."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def iso(value: date | None) -> str | None:
    """ISO 8601 for a date or time that may be missing (null in JSON)."""
    return value.isoformat() if value else None


def parse_when(text: str, now: datetime, tz: str = "UTC") -> datetime:
    """A past moment; a bare clock time later than now means that time yesterday."""
    value = text.strip().lower()
    if value in {"", "now"}:
        return now
    local_tz = zone(tz)
    if ago := _AGO.match(value):
        if not value.startswith("-") and "ago" not in value:
            raise InvalidInput(f"`{text}` is ambiguous; write `{value} ago`. {HINT}")
        return now - timedelta(seconds=float(ago.group(1)) * _UNIT[ago.group(2)])
    if clock := _CLOCK.match(value):
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise InvalidInput(f"`{text}` is not a time of day. {HINT}")
        local = now.astimezone(local_tz).replace(hour=hour, minute=minute, second=0, microsecond=0)
        if local > now:
            local -= timedelta(days=1)
        return local.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise InvalidInput(f"`{text}` is not a time I understand. {HINT}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_tz)
    return parsed.astimezone(UTC)
