"""The incident timeline: every message of the channel, kept once, curated by reaction.

Slack delivers events at least once and in no guaranteed order, so every
function here is idempotent and converges: storing a message twice changes
nothing, an edit that arrives before its message creates the row with the
edited text, a deletion that arrives first leaves a tombstone the late original
cannot undo, and curation (key event, categories) is recomputed from the
reactions on record whenever either side changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import milestones
from storage.models import Incident, Participant, ProcessedEvent, Reaction, TimelineEvent
from storage.types import utcnow

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


# ----- exactly once -------------------------------------------------------


def claim_event(session: Session, event_id: str) -> bool:
    """Record ``event_id`` as handled; False when it already was (a redelivery)."""
    claimed = _memo(session, "claimed")
    if event_id in claimed:
        return False
    if event_id not in _memo(session, "unclaimed"):
        with session.no_autoflush:  # ids claimed in this transaction are in the memo
            if session.get(ProcessedEvent, event_id) is not None:
                return False
    session.add(ProcessedEvent(event_id=event_id))
    claimed.add(event_id)
    return True


def _memo(session: Session, name: str) -> set[Any]:
    """Facts learnt in this transaction, so a batch of events does not ask twice.

    Kept in ``session.info``, which lives exactly as long as the transaction's session.
    """
    return session.info.setdefault(f"timeline.{name}", set())


def _rows(session: Session) -> dict[tuple[str, str], TimelineEvent]:
    """Message rows this transaction has loaded or added, by (channel, ts)."""
    return session.info.setdefault("timeline.rows", {})


def prefetch(
    session: Session, event_ids: Iterable[str], messages: Iterable[tuple[str, str]]
) -> None:
    """Look a whole batch of events up in three queries instead of three per event."""
    ids = set(event_ids)
    if ids:
        seen = set(
            session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(ids)))
        )
        _memo(session, "claimed").update(seen)
        _memo(session, "unclaimed").update(ids - seen)
    keys = set(messages)
    if not keys:
        return
    channels, stamps = {c for c, _ in keys}, {t for _, t in keys}
    rows = session.scalars(
        select(TimelineEvent).where(
            TimelineEvent.channel_id.in_(channels), TimelineEvent.ts.in_(stamps)
        )
    )
    found = {(r.channel_id or "", r.ts or ""): r for r in rows}
    _rows(session).update(found)
    _memo(session, "absent").update(keys - found.keys())
    reacted = session.execute(
        select(Reaction.channel_id, Reaction.ts).where(
            Reaction.channel_id.in_(channels),
            Reaction.ts.in_(stamps),
            Reaction.removed_at.is_(None),
        )
    )
    _memo(session, "unreacted").update(keys - {(c, t) for c, t in reacted})


def find_message(session: Session, channel_id: str, ts: str) -> TimelineEvent | None:
    known = _rows(session).get((channel_id, ts))
    if known is not None or (channel_id, ts) in _memo(session, "absent"):
        return known
    # Rows added in this transaction are found above, so nothing needs flushing first:
    # a batch of new messages is written in one flush at commit.
    with session.no_autoflush:
        return session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.channel_id == channel_id, TimelineEvent.ts == ts
            )
        ).first()


# ----- messages -----------------------------------------------------------


def store_message(
    session: Session, incident: Incident, record: MessageRecord, meaning: Meaning
) -> TimelineEvent | None:
    """Keep a message once; returns the row only when it is new.

    A row made earlier from an edit or a deletion of this message wins over
    the original, because it is the later state.
    """
    row = find_message(session, record.channel_id, record.ts)
    if row is not None:
        _complete(row, record)
        return None
    row = TimelineEvent(
        incident_id=incident.id,
        kind=record.kind,
        channel_id=record.channel_id,
        ts=record.ts,
        thread_ts=record.thread_ts if record.thread_ts != record.ts else None,
        user_id=record.user_id,
        bot_id=record.bot_id,
        text=record.text,
        data=dict(record.data),
        occurred_at=record.at,
        edited_at=record.edited_at,
        is_key=False,
        categories=[],
    )
    session.add(row)
    _rows(session)[(record.channel_id, record.ts)] = row
    _memo(session, "absent").discard((record.channel_id, record.ts))
    _after_new(session, incident, row, record, meaning)
    return row


def _complete(row: TimelineEvent, record: MessageRecord) -> None:
    """Bring a stored row up to a (possibly newer) copy of the same message."""
    if row.deleted_at is not None:
        return
    if record.edited_at and (row.edited_at is None or record.edited_at > row.edited_at):
        row.text = record.text
        row.edited_at = record.edited_at
        if record.data.get("files"):
            row.data = {**(row.data or {}), "files": record.data["files"]}


def _after_new(
    session: Session,
    incident: Incident,
    row: TimelineEvent,
    record: MessageRecord,
    meaning: Meaning,
) -> None:
    _curate(session, row, meaning)
    if record.is_human and record.user_id:
        known = _memo(session, "participants")
        if (incident.id, record.user_id) not in known:
            note_joined(session, incident, record.user_id, record.at, only_if_unknown=True)
            known.add((incident.id, record.user_id))
        if record.user_id != incident.declared_by:
            acknowledged = _memo(session, "acknowledged")
            # Once set in this transaction the milestone keeps its first time anyway.
            if incident.id not in acknowledged:
                milestones.record_first_response(session, incident, record.user_id, record.at)
                acknowledged.add(incident.id)


def edit_message(
    session: Session, incident: Incident, record: MessageRecord, meaning: Meaning
) -> TimelineEvent | None:
    """Apply an edit; ``record`` is the whole message after the edit, ``edited_at`` set.

    Returns the row when the edit created it (its original has not arrived yet).
    """
    row = find_message(session, record.channel_id, record.ts)
    if row is None:
        return store_message(session, incident, record, meaning)
    _complete(row, record)
    return None


def delete_message(
    session: Session,
    incident: Incident,
    channel_id: str,
    ts: str,
    deleted_at: datetime,
    deleted_by: str | None,
    previous: MessageRecord | None,
    meaning: Meaning,
) -> TimelineEvent:
    """Blank the text and leave a tombstone with the time and the author.

    Slack does not say who deleted a message, only whose it was; ``deleted_by``
    is that author unless the caller knows better.
    """
    row = find_message(session, channel_id, ts)
    if row is None:
        record = previous or MessageRecord(channel_id=channel_id, ts=ts, kind=MESSAGE)
        row = TimelineEvent(
            incident_id=incident.id,
            kind=record.kind,
            channel_id=channel_id,
            ts=ts,
            thread_ts=record.thread_ts if record.thread_ts != ts else None,
            user_id=record.user_id,
            bot_id=record.bot_id,
            text="",
            data={k: v for k, v in record.data.items() if k != "files"},
            occurred_at=ts_time(ts),
            is_key=False,
            categories=[],
        )
        session.add(row)
        _rows(session)[(channel_id, ts)] = row
        _memo(session, "absent").discard((channel_id, ts))
        refresh_curation(session, channel_id, ts, meaning)
    if row.deleted_at is None or deleted_at < row.deleted_at:
        row.deleted_at = deleted_at
        row.deleted_by = deleted_by or row.user_id
    row.text = ""
    if row.data and "files" in row.data:
        row.data = {k: v for k, v in row.data.items() if k != "files"}
    return row


# ----- reactions ----------------------------------------------------------


def add_reaction(
    session: Session, channel_id: str, ts: str, emoji: str, user_id: str, at: datetime
) -> bool:
    """Record a reaction; True the first time this person puts this emoji on this message."""
    _memo(session, "reacted").add((channel_id, ts))
    row = find_reaction(session, channel_id, ts, emoji, user_id)
    if row is None:
        session.add(
            Reaction(channel_id=channel_id, ts=ts, emoji=emoji, user_id=user_id, reacted_at=at)
        )
        session.flush()
        return True
    if row.removed_at is not None and at > row.removed_at:
        row.removed_at = None  # put back on after being taken off
        row.reacted_at = at
    return False


def remove_reaction(
    session: Session, channel_id: str, ts: str, emoji: str, user_id: str, at: datetime
) -> None:
    """Take a reaction off; a removal that overtakes its add is remembered, so the add is stale."""
    _memo(session, "reacted").add((channel_id, ts))
    row = find_reaction(session, channel_id, ts, emoji, user_id)
    if row is None:
        session.add(
            Reaction(
                channel_id=channel_id,
                ts=ts,
                emoji=emoji,
                user_id=user_id,
                reacted_at=at,
                removed_at=at,
            )
        )
        session.flush()
        return
    if at >= row.reacted_at and (row.removed_at is None or at > row.removed_at):
        row.removed_at = at


def find_reaction(
    session: Session, channel_id: str, ts: str, emoji: str, user_id: str
) -> Reaction | None:
    """This person's reaction with this emoji on this message, taken off or not."""
    return session.scalars(
        select(Reaction).where(
            Reaction.channel_id == channel_id,
            Reaction.ts == ts,
            Reaction.emoji == emoji,
            Reaction.user_id == user_id,
        )
    ).first()


def active_reactions(session: Session, channel_id: str, ts: str) -> list[Reaction]:
    key = (channel_id, ts)
    if key in _memo(session, "unreacted") and key not in _memo(session, "reacted"):
        return []
    query = select(Reaction).where(
        Reaction.channel_id == channel_id, Reaction.ts == ts, Reaction.removed_at.is_(None)
    )
    if key in _memo(session, "reacted"):  # changed in this transaction: flush first
        return list(session.scalars(query))
    with session.no_autoflush:
        return list(session.scalars(query))


def refresh_curation(
    session: Session, channel_id: str, ts: str, meaning: Meaning
) -> TimelineEvent | None:
    """Set is_key and categories from the reactions still on the message.

    Derived rather than toggled, so a mark goes away only once nobody still
    has a reaction with that meaning on, and order of arrival does not matter.
    """
    row = find_message(session, channel_id, ts)
    if row is None:
        return None
    _curate(session, row, meaning)
    return row


def _curate(session: Session, row: TimelineEvent, meaning: Meaning) -> None:
    reactions = active_reactions(session, row.channel_id or "", row.ts or "")
    meanings = {meaning(r.emoji) for r in reactions}
    meanings.discard(None)
    is_key = KEY_EVENT in meanings
    categories = sorted(m for m in meanings if m and m != KEY_EVENT)
    if row.is_key != is_key:
        row.is_key = is_key
    if list(row.categories or []) != categories:
        row.categories = categories


# ----- people -------------------------------------------------------------


def note_joined(
    session: Session,
    incident: Incident,
    user_id: str,
    at: datetime,
    *,
    only_if_unknown: bool = False,
) -> Participant:
    """Someone joined (or, with ``only_if_unknown``, spoke before we saw them join)."""
    person = _participant(session, incident, user_id)
    if person is None:
        person = Participant(incident_id=incident.id, user_id=user_id, joined_at=at)
        session.add(person)
        session.flush()
        return person
    if only_if_unknown:
        return person
    if at < person.joined_at:
        person.joined_at = at
    if person.left_at is not None and at > person.left_at:
        person.left_at = None
    return person


def note_left(session: Session, incident: Incident, user_id: str, at: datetime) -> Participant:
    person = _participant(session, incident, user_id)
    if person is None:
        person = Participant(incident_id=incident.id, user_id=user_id, joined_at=at, left_at=at)
        session.add(person)
        session.flush()
        return person
    rejoined = session.scalars(
        select(TimelineEvent.id).where(
            TimelineEvent.incident_id == incident.id,
            TimelineEvent.kind == JOIN,
            TimelineEvent.user_id == user_id,
            TimelineEvent.occurred_at > at,
        )
    ).first()
    if rejoined is None and (person.left_at is None or at > person.left_at):
        person.left_at = at
    return person


def _participant(session: Session, incident: Incident, user_id: str) -> Participant | None:
    return session.scalars(
        select(Participant).where(
            Participant.incident_id == incident.id, Participant.user_id == user_id
        )
    ).first()


# ----- notes --------------------------------------------------------------


def add_note(
    session: Session, incident: Incident, user_id: str, text: str, at: datetime | None = None
) -> TimelineEvent:
    """A manual entry; notes are written on purpose, so they count as key events."""
    now = utcnow()
    row = TimelineEvent(
        incident_id=incident.id,
        kind=NOTE,
        user_id=user_id,
        text=text,
        data={"backdated": at is not None and at < now},
        occurred_at=at or now,
        recorded_at=now,
        is_key=True,
        categories=[],
    )
    session.add(row)
    session.flush()
    return row


# ----- queries other features build on ------------------------------------


def all_events(
    session: Session, incident: Incident, limit: int | None = None
) -> list[TimelineEvent]:
    """Everything, tombstones included, in time order; the first ``limit`` when given."""
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
            .limit(limit)
        )
    )


def count_events(session: Session, incident: Incident) -> int:
    """How many entries the timeline has, tombstones included."""
    return (
        session.scalar(
            select(func.count())
            .select_from(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
        )
        or 0
    )


def key_events(
    session: Session, incident: Incident, *, include_system: bool = True
) -> list[TimelineEvent]:
    """What matters, in time order: key events and notes, plus Sitrep's own system events.

    Deleted messages are left out; their text is gone.
    """
    query = select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.deleted_at.is_(None)
    )
    if include_system:
        query = query.where(TimelineEvent.is_key.is_(True) | (TimelineEvent.kind == SYSTEM))
    else:
        query = query.where(TimelineEvent.is_key.is_(True))
    return list(session.scalars(query.order_by(TimelineEvent.occurred_at, TimelineEvent.id)))


def events_in(session: Session, incident: Incident, category: str) -> list[TimelineEvent]:
    """Live messages labelled with ``category`` (e.g. ``customer_impact``), in time order."""
    return [
        e
        for e in all_events(session, incident)
        if e.deleted_at is None and category in (e.categories or [])
    ]


def participants(session: Session, incident: Incident) -> list[Participant]:
    """Everyone who joined the channel or spoke in it, by first appearance."""
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.incident_id == incident.id)
            .order_by(Participant.joined_at, Participant.id)
        )
    )


def newest_ts(events: Iterable[TimelineEvent]) -> str | None:
    timestamps = [e.ts for e in events if e.ts]
    return max(timestamps, key=ts_time) if timestamps else None
