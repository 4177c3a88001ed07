"""What a timeline entry is before it is stored: its kinds, its time, its parsed message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MESSAGE, REPLY, FILE, BOT_MESSAGE = "message", "reply", "file", "bot_message"
JOIN, LEAVE, SYSTEM, NOTE = "join", "leave", "system", "note"
HUMAN_KINDS = frozenset({MESSAGE, REPLY, FILE})
KEY_EVENT = "key_event"

# emoji name -> meaning (key_event or a category), from the reactions configuration.
Meaning = Callable[[str], str | None]


def ts_time(ts: str) -> datetime:
    """A Slack ``ts`` ("1355517523.000005") as an aware UTC datetime, to the microsecond."""
    seconds, _, fraction = ts.partition(".")
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return datetime.fromtimestamp(int(seconds), UTC).replace(microsecond=micros)


@dataclass
class MessageRecord:
    """One Slack message as the timeline keeps it, already parsed from Slack's shape."""

    channel_id: str
    ts: str
    kind: str
    text: str = ""
    user_id: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    edited_at: datetime | None = None

    @property
    def at(self) -> datetime:
        return ts_time(self.ts)

    @property
    def is_human(self) -> bool:
        return self.kind in HUMAN_KINDS and bool(self.user_id) and not self.bot_id
