"""The incident itself and who holds which role in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow

# setup_state: "creating" while the Slack side is being built, "ready" when
# channel, card, topic and announcement all exist, "incomplete" when a later
# step failed and a retry has to finish it. Only the declare flow ever writes
# "creating"; an imported incident is "ready" from the start.
SETUP_CREATING = "creating"
SETUP_READY = "ready"
SETUP_INCOMPLETE = "incomplete"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("team_id", "number", name="uq_incidents_team_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="investigating")
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    declared_by: Mapped[str] = mapped_column(String(32))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    broadcast_channel_id: Mapped[str | None] = mapped_column(String(32))
    broadcast_ts: Mapped[str | None] = mapped_column(String(32))
    source_permalink: Mapped[str | None] = mapped_column(Text)
    setup_state: Mapped[str] = mapped_column(String(16), default=SETUP_CREATING)
    # Who is building the Slack side right now, and since when: set with a
    # compare-and-set before each setup step, so a retry never works on an
    # incident another process is still declaring, and a start-up clean-up
    # removes only declares whose claim went stale.
    setup_owner: Mapped[str | None] = mapped_column(String(64))
    setup_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Business impact, captured with /incident impact.
    users_affected: Mapped[int | None] = mapped_column(Integer)
    customer_tier: Mapped[str] = mapped_column(String(100), default="")
    revenue_impact: Mapped[float | None] = mapped_column(Float)
    support_tickets: Mapped[int | None] = mapped_column(Integer)
    # Learning: set with /incident tag, counted by analytics.
    root_cause_category: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="incident", order_by="RoleAssignment.assigned_at"
    )

    @property
    def reference(self) -> str:
        return f"INC-{self.number}"


class IncidentNumber(Base):
    """The last incident number given out in a workspace.

    Numbers come from here, not from the highest number still stored, so a
    number once shown to someone (even for a declare that was then discarded)
    is never given to another incident.
    """

    __tablename__ = "incident_numbers"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class RoleAssignment(Base):
    """One person holding one role for a span of time; ``ended_at`` closes a handoff."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        Index("ix_role_assignments_incident_role", "incident_id", "role"),
        # One open holding per role: a second concurrent handover is refused here.
        Index(
            "uq_role_assignments_open",
            "incident_id",
            "role",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(back_populates="roles")
