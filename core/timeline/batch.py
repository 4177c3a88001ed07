"""Exactly-once handling, and what one transaction has already looked up.

The capture writer applies a batch of events in one transaction. Each event
would otherwise ask the database whether it was seen before, whether its
message is stored and whether anyone reacted to it; the batch asks once
(``prefetch``) and every later question is answered from ``session.info``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent, Reaction, TimelineEvent


def claim_event(session: Session, event_id: str) -> bool:
    """Record ``event_id`` as handled; False when it already was (a redelivery)."""
    claimed = memo(session, "claimed")
    if event_id in claimed:
        return False
    if event_id not in memo(session, "unclaimed"):
        with session.no_autoflush:  # ids claimed in this transaction are in the memo
            if session.get(ProcessedEvent, event_id) is not None:
                return False
    session.add(ProcessedEvent(event_id=event_id))
    claimed.add(event_id)
    return True


def memo(session: Session, name: str) -> set[Any]:
    """Facts learnt in this transaction, so a batch of events does not ask twice.

    Kept in ``session.info``, which lives exactly as long as the transaction's session.
    """
    return session.info.setdefault(f"timeline.{name}", set())


def known_rows(session: Session) -> dict[tuple[str, str], TimelineEvent]:
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
        memo(session, "claimed").update(seen)
        memo(session, "unclaimed").update(ids - seen)
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
    known_rows(session).update(found)
    memo(session, "absent").update(keys - found.keys())
    reacted = session.execute(
        select(Reaction.channel_id, Reaction.ts).where(
            Reaction.channel_id.in_(channels),
            Reaction.ts.in_(stamps),
            Reaction.removed_at.is_(None),
        )
    )
    memo(session, "unreacted").update(keys - {(c, t) for c, t in reacted})


def find_message(session: Session, channel_id: str, ts: str) -> TimelineEvent | None:
    known = known_rows(session).get((channel_id, ts))
    if known is not None or (channel_id, ts) in memo(session, "absent"):
        return known
    # Rows added in this transaction are found above, so nothing needs flushing first:
    # a batch of new messages is written in one flush at commit.
    with session.no_autoflush:
        return session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.channel_id == channel_id, TimelineEvent.ts == ts
            )
        ).first()


def remember_row(session: Session, row: TimelineEvent) -> None:
    """A row just added, so later events in the batch find it without a query."""
    key = (row.channel_id or "", row.ts or "")
    known_rows(session)[key] = row
    memo(session, "absent").discard(key)
