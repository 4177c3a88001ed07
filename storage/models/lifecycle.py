"""Milestones, status updates and the record of reminders already sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow

# Milestone kinds, in the order an incident normally reaches them.
MILESTONES = (
    "impact_started",
    "declared",
    "acknowledged",
    "mitigated",
    "resolved",
    "closed",
)


class Milestone(Base):
    """When an incident reached a point in its life, and who set it.

    One row per kind: reaching it again (after a reopen) moves the time.
    """

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("incident_id", "kind", name="uq_milestones_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusUpdate(Base):
    """A structured update: what is happening, impact, what we do, when the next comes."""

    __tablename__ = "status_updates"
    # The latest update of an incident: the card, reminders, postmortems.
    __table_args__ = (Index("ix_status_updates_incident_posted", "incident_id", "posted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    happening: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel_ts: Mapped[str | None] = mapped_column(String(32))
    broadcast_ts: Mapped[str | None] = mapped_column(String(32))


class SentReminder(Base):
    """A reminder that went out. The unique key is what stops a second send.

    ``key`` names the occasion, e.g. ``update-due:2026-01-05T10:20:00``, so
    a restart or a second process finds it and does not send again.
    """

    __tablename__ = "sent_reminders"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "key", name="uq_sent_reminders"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "sending" while a process posts it, then "sent" (or "failed" for good). A
    # claim left "sending" by a crash is checked against Slack and finished.
    state: Mapped[str] = mapped_column(String(16), default="sent", server_default="sent")
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The process sending it while "sending"; ``sent_at`` is then the claim's time.
    claimed_by: Mapped[str | None] = mapped_column(String(128))
