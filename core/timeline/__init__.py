"""The incident timeline: every message of the channel, kept once, curated by reaction.

Slack delivers events at least once and in no guaranteed order, so every
function here is idempotent and converges: storing a message twice changes
nothing, an edit that arrives before its message creates the row with the
edited text, a deletion that arrives first leaves a tombstone the late original
cannot undo, and curation (key event, categories) is recomputed from the
reactions on record whenever either side changes.

Callers use the timeline as one thing (``from core import timeline``); the
modules behind it each hold one concern: what an entry is (``records``), what a
transaction has already looked up (``batch``), writing entries (``entries``),
reactions and the marks they make (``curation``), who took part (``people``)
and reading the timeline back (``queries``).
"""

from __future__ import annotations

from core.timeline.batch import claim_event, find_message, prefetch
from core.timeline.curation import (
    active_reactions,
    add_reaction,
    find_reaction,
    refresh_curation,
    remove_reaction,
)
from core.timeline.entries import add_note, delete_message, edit_message, store_message
from core.timeline.people import note_joined, note_left, participants
from core.timeline.queries import all_events, count_events, key_events
from core.timeline.records import (
    BOT_MESSAGE,
    FILE,
    HUMAN_KINDS,
    JOIN,
    KEY_EVENT,
    LEAVE,
    MESSAGE,
    NOTE,
    REPLY,
    SYSTEM,
    Meaning,
    MessageRecord,
    ts_time,
)

__all__ = [
    "BOT_MESSAGE",
    "FILE",
    "HUMAN_KINDS",
    "JOIN",
    "KEY_EVENT",
    "LEAVE",
    "MESSAGE",
    "NOTE",
    "REPLY",
    "SYSTEM",
    "Meaning",
    "MessageRecord",
    "active_reactions",
    "add_note",
    "add_reaction",
    "all_events",
    "count_events",
    "claim_event",
    "delete_message",
    "edit_message",
    "find_message",
    "find_reaction",
    "key_events",
    "note_joined",
    "note_left",
    "participants",
    "prefetch",
    "refresh_curation",
    "remove_reaction",
    "store_message",
    "ts_time",
]
