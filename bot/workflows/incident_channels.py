"""Which channels are incident channels, answered from memory for almost every event.

The bot sits in many channels; most of their messages are not ours to keep.
An incident's channel id never changes once set, so a hit is remembered for
good; a miss is remembered briefly, because a channel can become an incident
channel a moment after its first event (the declare flow saves the id just
after Slack creates it).
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from storage.db import Database
from storage.models import Incident

MISS_TTL_SECONDS = 5.0
MAX_MISSES = 10_000


class IncidentChannels:
    def __init__(self, db: Database, miss_ttl: float = MISS_TTL_SECONDS) -> None:
        self.db = db
        self.miss_ttl = miss_ttl
        self._hits: dict[str, int] = {}
        self._misses: dict[str, float] = {}
        self._lock = threading.Lock()

    def incident_id(self, channel_id: str | None) -> int | None:
        """The incident whose channel this is, or None (one indexed lookup at most)."""
        if not channel_id:
            return None
        with self._lock:
            found = self._hits.get(channel_id)
            if found is not None:
                return found
            missed = self._misses.get(channel_id)
            if missed is not None and time.monotonic() - missed < self.miss_ttl:
                return None
        with self.db.session() as session:
            found = session.scalar(select(Incident.id).where(Incident.channel_id == channel_id))
        with self._lock:
            if found is not None:
                self._hits[channel_id] = found
                self._misses.pop(channel_id, None)
            else:
                if len(self._misses) >= MAX_MISSES:
                    self._misses.clear()
                self._misses[channel_id] = time.monotonic()
        return found

    def forget(self, channel_id: str | None = None) -> None:
        """Drop remembered misses (all, or one channel's), e.g. right after a declare."""
        with self._lock:
            if channel_id is None:
                self._misses.clear()
            else:
                self._misses.pop(channel_id, None)
