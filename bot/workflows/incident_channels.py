"""Which channels are incident channels, answered from memory for almost every event.

The bot sits in many channels; most of their messages are not ours to keep.
An incident's channel id never changes once set, so a hit is remembered for
good. A miss is only a hint: a channel can become an incident channel at any
moment, and in another process (Slack sends the bot's own
``member_joined_channel`` before the declare flow has saved the channel id,
and a load balancer may hand the next messages to a process that never saw
the declare). So an event in a channel not known to be an incident's is not
dropped: it is held, and a checker thread looks all held channels up in the
database in one query every ``RECHECK_SECONDS``. A channel found there
becomes a hit and its held events go to the writer in arrival order. An event
is let go only once a lookup that began after it arrived still found nothing
and it has been held ``HOLD_SECONDS``; that is the ordinary fate of chatter in
channels that are not incidents. The database is the one source of truth, so
every process sees a new incident channel by its next check, whoever saved it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import select

from storage.db import Database
from storage.models import Incident

log = logging.getLogger(__name__)

HOLD_SECONDS = 3.0
RECHECK_SECONDS = 0.2
# If the database cannot be asked for this long, held events go to the writer,
# which looks the channel up itself inside its transaction.
GIVE_TO_WRITER_SECONDS = 30.0
MAX_MISSES = 10_000
MAX_HELD = 5_000

T = TypeVar("T")


@dataclass
class _Held(Generic[T]):
    arrived: float
    item: T


@dataclass
class HoldStats:
    held: int = 0  # events held at least once
    released: int = 0  # held events that turned out to be an incident's
    let_go: int = 0  # held events in channels that are not incident channels
    overflow: int = 0  # let go early because too many were held
    checks: int = 0  # database lookups of held channels


class IncidentChannels(Generic[T]):
    """Channel id -> incident id, with held events for channels not (yet) known."""

    def __init__(
        self,
        db: Database,
        hold_seconds: float = HOLD_SECONDS,
        recheck_seconds: float = RECHECK_SECONDS,
        max_held: int = MAX_HELD,
    ) -> None:
        self.db = db
        self.hold_seconds = hold_seconds
        self.recheck_seconds = recheck_seconds
        self.max_held = max_held
        self.stats = HoldStats()
        self._hits: dict[str, int] = {}
        self._misses: set[str] = set()
        self._held: OrderedDict[str, list[_Held[T]]] = OrderedDict()
        self._held_count = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._checker: threading.Thread | None = None
        self._deliver: Callable[[T, int | None], None] = lambda _item, _id: None
        self._let_go: Callable[[T], None] = lambda _item: None

    def bind(self, deliver: Callable[[T, int | None], None], let_go: Callable[[T], None]) -> None:
        """Where held events go: ``deliver(item, incident_id)`` once found (incident_id None:
        could not be checked, let the writer decide), ``let_go(item)`` when not an incident's."""
        self._deliver, self._let_go = deliver, let_go

    def incident_id(self, channel_id: str | None) -> int | None:
        """The incident whose channel this is, or None for a known miss (one indexed lookup
        the first time a channel is seen, none after)."""
        if not channel_id:
            return None
        with self._lock:
            found = self._hits.get(channel_id)
            if found is not None or channel_id in self._misses:
                return found
        with self.db.session(write=False) as session:
            found = session.scalar(select(Incident.id).where(Incident.channel_id == channel_id))
        with self._lock:
            if found is not None:
                self._hits[channel_id] = found
                self._misses.discard(channel_id)
            else:
                if len(self._misses) >= MAX_MISSES:
                    self._misses.clear()
                self._misses.add(channel_id)
        return found

    def hold(self, channel_id: str, item: T) -> None:
        """Keep ``item`` until the channel turns out to be an incident's or clearly is not."""
        with self._lock:
            found = self._hits.get(channel_id)
            if found is None:
                self._held.setdefault(channel_id, []).append(_Held(time.monotonic(), item))
                self._held_count += 1
                self.stats.held += 1
                if self._held_count > self.max_held:
                    self._drop_oldest()
                self._start_checker()
                return
        self._deliver(item, found)  # became a hit since the caller looked

    def forget(self, channel_id: str | None = None) -> None:
        """Drop remembered misses (all, or one channel's) and check held events now."""
        with self._lock:
            if channel_id is None:
                self._misses.clear()
            else:
                self._misses.discard(channel_id)
        self._wake.set()

    def held(self) -> int:
        with self._lock:
            return self._held_count

    def settle(self, timeout: float) -> bool:
        """For shutdown: decide every held event now, after one more look; False on timeout.

        Held events are let go as soon as a lookup begun after they arrived
        finds nothing, without waiting out the hold.
        """
        self.hold_seconds = 0.0
        deadline = time.monotonic() + timeout
        while self.held():
            if time.monotonic() > deadline:
                return False
            self._wake.set()
            time.sleep(0.02)
        return True

    # ----- the checker thread ------------------------------------------------
    def _start_checker(self) -> None:
        if self._checker is None:
            self._checker = threading.Thread(
                target=self._check_loop, name="sitrep-channel-check", daemon=True
            )
            self._checker.start()

    def _check_loop(self) -> None:
        failures = 0
        while True:
            # Backs off while the database does not answer, up to a few seconds.
            self._wake.wait(self.recheck_seconds * 2 ** min(failures, 4))
            self._wake.clear()
            with self._lock:
                channels = list(self._held)
                if not channels:
                    self._checker = None
                    return
            began = time.monotonic()
            try:
                with self.db.session(write=False) as session:
                    found = dict(
                        session.execute(
                            select(Incident.channel_id, Incident.id).where(
                                Incident.channel_id.in_(channels)
                            )
                        ).all()
                    )
            except Exception as exc:  # the database is away; hold on, within reason
                if failures == 0:
                    log.warning("could not look up held channels: %s", exc)
                failures += 1
                self._give_to_writer(time.monotonic() - GIVE_TO_WRITER_SECONDS)
                continue
            failures = 0
            self._settle_checked(channels, found, began)

    def _settle_checked(self, channels: list[str], found: dict[str, int], began: float) -> None:
        now = time.monotonic()
        with self._lock:
            self.stats.checks += 1
            for channel_id in channels:
                waiting = self._held.get(channel_id)
                if not waiting:
                    continue
                incident_id = found.get(channel_id)
                if incident_id is not None:
                    self._hits[channel_id] = incident_id
                    self._misses.discard(channel_id)
                    del self._held[channel_id]
                    self._held_count -= len(waiting)
                    self.stats.released += len(waiting)
                    # Under the lock, so that no newer event of this channel,
                    # now a hit, can reach the writer before these.
                    for held in waiting:
                        self._deliver(held.item, incident_id)
                    continue
                keep = [
                    h for h in waiting if h.arrived >= began or now - h.arrived < self.hold_seconds
                ]
                self.stats.let_go += len(waiting) - len(keep)
                self._held_count -= len(waiting) - len(keep)
                for held in waiting:
                    if held not in keep:
                        self._let_go(held.item)
                if keep:
                    self._held[channel_id] = keep
                else:
                    del self._held[channel_id]

    def _give_to_writer(self, arrived_before: float) -> None:
        """Events held too long while the database is away: the writer decides in its
        transaction (``deliver`` with no incident id)."""
        with self._lock:
            for channel_id in list(self._held):
                waiting = self._held[channel_id]
                old = [h for h in waiting if h.arrived < arrived_before]
                if not old:
                    continue
                self._held[channel_id] = waiting[len(old) :]
                if not self._held[channel_id]:
                    del self._held[channel_id]
                self._held_count -= len(old)
                for held in old:
                    self._deliver(held.item, None)

    def _drop_oldest(self) -> None:
        """Too much held: mostly chatter in busy channels that are not incidents."""
        channel_id = next(iter(self._held))
        waiting = self._held[channel_id]
        self._let_go(waiting.pop(0).item)
        if not waiting:
            del self._held[channel_id]
        self._held_count -= 1
        self.stats.overflow += 1
