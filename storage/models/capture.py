"""Bookkeeping for exactly-once capture of Slack events and for curation by reaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow


class ProcessedEvent(Base):
    """Event ids already handled; Slack redelivers with the same ``event_id``."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Reaction(Base):
    """Who reacted with what to which message.

    Keyed by (channel, ts) rather than by timeline row, so a reaction that
    arrives before its message is kept and applied when the message lands.
    """

    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("channel_id", "ts", "emoji", "user_id", name="uq_reactions_who_what"),
        Index("ix_reactions_channel_ts", "channel_id", "ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    emoji: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(32))
    reacted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the reaction was taken off. The row stays, so an add that Slack
    # delivers after its removal is recognised as stale.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Participant(Base):
    """Someone who joined the incident channel, and when they first joined."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("incident_id", "user_id", name="uq_participants_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
