"""Writing timeline entries: channel messages, their edits and deletions, and manual notes.

A row made earlier from an edit or a deletion wins over a late original,
because it is the later state; a deletion leaves a tombstone with the time
and the author that nothing arriving afterwards can undo.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import milestones
from core.timeline.batch import find_message, memo, remember_row
from core.timeline.curation import curate, refresh_curation
from core.timeline.people import note_joined
from core.timeline.records import MESSAGE, NOTE, Meaning, MessageRecord, ts_time
from storage.models import Incident, TimelineEvent
from storage.types import utcnow


def store_message(
    session: Session, incident: Incident, record: MessageRecord, meaning: Meaning
) -> TimelineEvent | None:
    """Keep a message once; returns the row only when it is new."""
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
    remember_row(session, row)
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
    curate(session, row, meaning)
    if record.is_human and record.user_id:
        known = memo(session, "participants")
        if (incident.id, record.user_id) not in known:
            note_joined(session, incident, record.user_id, record.at, only_if_unknown=True)
            known.add((incident.id, record.user_id))
        if record.user_id != incident.declared_by:
            # The milestone keeps the earliest reply: in a batch only an earlier one moves it.
            earliest: dict[int, datetime] = session.info.setdefault("timeline.acknowledged_at", {})
            if incident.id not in earliest or record.at < earliest[incident.id]:
                milestones.record_first_response(session, incident, record.user_id, record.at)
                earliest[incident.id] = record.at


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
        remember_row(session, row)
        refresh_curation(session, channel_id, ts, meaning)
    if row.deleted_at is None or deleted_at < row.deleted_at:
        row.deleted_at = deleted_at
        row.deleted_by = deleted_by or row.user_id
    row.text = ""
    if row.data and "files" in row.data:
        row.data = {k: v for k, v in row.data.items() if k != "files"}
    return row


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
