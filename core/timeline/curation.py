"""Reactions on timeline messages, and the marks (key event, categories) they make.

Marks are derived from the reactions still on a message rather than toggled,
so a mark goes away only once nobody still has a reaction with that meaning
on, and the order in which adds and removals arrive does not matter.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeline.batch import find_message, memo
from core.timeline.records import KEY_EVENT, Meaning
from storage.models import Reaction, TimelineEvent


def add_reaction(
    session: Session, channel_id: str, ts: str, emoji: str, user_id: str, at: datetime
) -> bool:
    """Record a reaction; True the first time this person puts this emoji on this message."""
    memo(session, "reacted").add((channel_id, ts))
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
    memo(session, "reacted").add((channel_id, ts))
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
    if key in memo(session, "unreacted") and key not in memo(session, "reacted"):
        return []
    query = select(Reaction).where(
        Reaction.channel_id == channel_id, Reaction.ts == ts, Reaction.removed_at.is_(None)
    )
    if key in memo(session, "reacted"):  # changed in this transaction: flush first
        return list(session.scalars(query))
    with session.no_autoflush:
        return list(session.scalars(query))


def refresh_curation(
    session: Session, channel_id: str, ts: str, meaning: Meaning
) -> TimelineEvent | None:
    """Set is_key and categories from the reactions still on the message."""
    row = find_message(session, channel_id, ts)
    if row is None:
        return None
    curate(session, row, meaning)
    return row


def curate(session: Session, row: TimelineEvent, meaning: Meaning) -> None:
    """Bring one row's marks in line with its reactions, writing only what changed."""
    reactions = active_reactions(session, row.channel_id or "", row.ts or "")
    meanings = {meaning(r.emoji) for r in reactions}
    meanings.discard(None)
    is_key = KEY_EVENT in meanings
    categories = sorted(m for m in meanings if m and m != KEY_EVENT)
    if row.is_key != is_key:
        row.is_key = is_key
    if list(row.categories or []) != categories:
        row.categories = categories
