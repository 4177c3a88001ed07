"""Action items, which outlive their incident, and the weekly digests that chase them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow

OPEN, DONE, DROPPED = "open", "done", "dropped"


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (
        Index("ix_action_items_owner_status", "owner_id", "status"),
        # An incident's items (similar incidents, postmortems, App Home) ...
        Index("ix_action_items_incident_status", "incident_id", "status"),
        # ... and every open item, for the digest and its nudges.
        Index("ix_action_items_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_date: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(4), default="p2")
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[str] = mapped_column(Text, default="")
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    source_ts: Mapped[str | None] = mapped_column(String(32))
    source_permalink: Mapped[str | None] = mapped_column(Text)
    team: Mapped[str] = mapped_column(String(100), default="")
    ic_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestDelivery(Base):
    """One message to one person (or, for reports, one workspace) that must go out once.

    The unique key makes a resend impossible; ``claimed_by`` and ``claimed_at``
    say which process is sending a pending row (see ``storage.claims``).
    """

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "week", "kind", name="uq_digest_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), default="", server_default="")
    user_id: Mapped[str] = mapped_column(String(32))  # "" for a workspace's report
    week: Mapped[str] = mapped_column(String(10))  # e.g. 2026-W47
    kind: Mapped[str] = mapped_column(String(16), default="digest")  # digest, due-soon, overdue
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
