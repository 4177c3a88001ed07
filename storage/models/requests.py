"""Signed requests already handled, so a replay inside the signature's lifetime is not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class SeenRequest(Base):
    """One row per piece of work a signed request started, named by a hash of its
    signature and the work; kept until the signature's timestamp could no longer
    pass the check.

    Kept in the database rather than in memory, so that a request replayed to
    another process behind the same load balancer is recognised there too.
    """

    __tablename__ = "seen_requests"

    request_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
