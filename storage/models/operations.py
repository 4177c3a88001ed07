"""What operators look at when something went wrong: events that could not be stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow

# Why a letter was written: the write kept failing, the capture queue was
# full, or the process was stopping and ran out of time to write it.
FAILED, QUEUE_FULL, SHUTDOWN = "failed", "queue_full", "shutdown"


class DeadLetter(Base):
    """A Slack event that Slack was told was received but that never reached the timeline.

    Kept whole, so ``sitrep dead-letters replay`` can apply it once the cause
    is fixed; ``sitrep doctor`` and ``/metrics`` report how many there are.
    """

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), default="capture")
    reason: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
