"""What happened in an incident, in order: messages, system events and notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow


class TimelineEvent(Base):
    """One entry of an incident's timeline.

    Slack messages are unique on (channel_id, ts), which is how redelivered
    events collapse into one row; system events and notes have no ts.
    """

    __tablename__ = "timeline_events"
    __table_args__ = (
        UniqueConstraint("channel_id", "ts", name="uq_timeline_events_channel_ts"),
        Index("ix_timeline_events_incident_time", "incident_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    # message, reply, file, bot_message, join, leave, system, note, update
    kind: Mapped[str] = mapped_column(String(24))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    bot_id: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[str | None] = mapped_column(String(32))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    # Category names from reactions (see config/reactions.py), e.g. ["insight"].
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
