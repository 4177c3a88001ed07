"""Writing captured Slack events into the timeline, after Slack has had its ack.

Bolt acknowledges an event before any listener runs (non-FaaS mode calls
``ack()`` first and runs the listener on its thread pool), so the listeners
only hand events to one writer thread per process and database. The writer
batches them into transactions and keeps retrying while the database is
locked or unreachable: an event that Slack got a 200 for is never dropped
because of the database, and a locked SQLite file never holds up Bolt's
workers, which slash commands need.
"""

from __future__ import annotations

import atexit
import gc
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.listeners.reaction_hooks import HOOKS
from bot.services import Services
from bot.workflows import hooks
from bot.workflows.incident_channels import IncidentChannels
from bot.workflows.slack_messages import Identity, record
from config.reactions import emoji_name
from core import timeline
from core.timeline import JOIN, LEAVE, ts_time
from storage.db import Database
from storage.models import Incident, TimelineEvent
from storage.types import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")
AfterCommit = Callable[[], None]

MESSAGE, REACTION_ADDED, REACTION_REMOVED = "message", "reaction_added", "reaction_removed"
MEMBER_JOINED, MEMBER_LEFT = "member_joined_channel", "member_left_channel"
BATCH_SIZE = 50
YIELD_EVERY = 5
BURST_BACKLOG = 100  # queued events that mean a burst is on
BURST_YIELD = 2.0  # in a burst, pause twice as long as the last batch took
IDLE_EXIT_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 2.0


@dataclass(frozen=True)
class Job:
    """One Slack event to apply, with what the writer needs to apply it later."""

    kind: str
    event: dict[str, Any]
    channel_id: str
    incident_id: int | None
    event_id: str | None = None
    event_time: int | None = None
    identity: Identity = field(default_factory=Identity)
    client: WebClient | None = None


def is_transient(exc: BaseException) -> bool:
    """Errors that go away by waiting: a locked SQLite file, a dropped connection."""
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(
        getattr(exc, "connection_invalidated", False)
    )


def transact(
    db: Database, work: Callable[[Session], T], on_retry: Callable[[], None] | None = None
) -> T:
    """Run ``work`` in a transaction until it commits.

    Waits out transient database errors for as long as they last, backing off.
    A unique-key conflict means another writer stored the same thing first;
    running again sees it and does nothing, so that is retried a few times too.
    """
    attempt = conflicts = 0
    while True:
        try:
            with db.session() as session:
                return work(session)
        except IntegrityError:
            conflicts += 1
            if conflicts > 3:
                raise
        except Exception as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            if on_retry:
                on_retry()
            if attempt == 1 or attempt % 20 == 0:
                log.warning("database busy or unreachable (%s); retrying, attempt %d", exc, attempt)
            time.sleep(min(0.05 * 2 ** min(attempt, 6), MAX_BACKOFF_SECONDS))


# ----- applying one event ---------------------------------------------------


def event_at(event: dict[str, Any], event_time: int | None) -> datetime:
    stamp = event.get("event_ts") or event.get("ts")
    if stamp:
        return ts_time(str(stamp))
    if event_time:
        return ts_time(str(event_time))
    return utcnow()


def apply(session: Session, services: Services, job: Job) -> list[AfterCommit]:
    """Apply one event in ``session``; returns work to run once it has committed."""
    incident_id = job.incident_id
    if incident_id is None:
        incident_id = session.scalar(
            select(Incident.id).where(Incident.channel_id == job.channel_id)
        )
    if incident_id is None:
        return []
    # Held here for the whole batch: the session's identity map only keeps weak
    # references, and loading the incident again per event would flush each time.
    held: dict[int, Incident | None] = session.info.setdefault("capture.incidents", {})
    if incident_id not in held:
        held[incident_id] = session.get(Incident, incident_id)
    incident = held[incident_id]
    if incident is None:
        return []
    if job.event_id and not timeline.claim_event(session, job.event_id):
        return []  # a redelivery
    return APPLIERS[job.kind](session, services, incident, job)


def _message(
    session: Session, services: Services, incident: Incident, job: Job
) -> list[AfterCommit]:
    event, meaning = job.event, services.settings.config.reactions.meaning
    channel_id = job.channel_id
    subtype = event.get("subtype")
    if subtype == "message_changed":
        inner = event.get("message") or {}
        if job.identity.wrote(inner) or not inner.get("ts"):
            return []
        if inner.get("subtype") == "tombstone":  # a thread parent was deleted
            at = event_at(event, job.event_time)
            timeline.delete_message(
                session, incident, channel_id, inner["ts"], at, None, None, meaning
            )
            return []
        changed = record(channel_id, inner)
        if changed is not None:
            # Without "edited" it is Slack's bookkeeping (reply counts, unfurls):
            # stored if we never saw the message, otherwise nothing changed.
            timeline.edit_message(session, incident, changed, meaning)
        return []
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or previous.get("ts")
        if job.identity.wrote(previous) or not ts:
            return []
        before = record(channel_id, previous) if previous else None
        author = previous.get("user") or None
        at = event_at(event, job.event_time)
        timeline.delete_message(session, incident, channel_id, ts, at, author, before, meaning)
        return []
    if job.identity.wrote(event):
        return []
    message = record(channel_id, event)
    if message is not None:
        store(session, incident, message, meaning, job.identity)
    return []


def store(
    session: Session,
    incident: Incident,
    message: timeline.MessageRecord,
    meaning: timeline.Meaning,
    identity: Identity,
) -> TimelineEvent | None:
    """Store a message and keep the participant list in step with joins and leaves."""
    row = timeline.store_message(session, incident, message, meaning)
    if message.user_id and message.user_id != identity.user_id:
        if message.kind == JOIN:
            timeline.note_joined(session, incident, message.user_id, message.at)
        elif message.kind == LEAVE:
            timeline.note_left(session, incident, message.user_id, message.at)
    return row


def _reaction(
    session: Session, services: Services, incident: Incident, job: Job
) -> list[AfterCommit]:
    event = job.event
    item = event.get("item") or {}
    user_id, raw = event.get("user"), event.get("reaction")
    if item.get("type") != "message" or not item.get("ts") or not user_id or not raw:
        return []
    emoji, at = emoji_name(raw), event_at(event, job.event_time)
    reactions = services.settings.config.reactions
    if job.kind == REACTION_ADDED:
        first = timeline.add_reaction(session, job.channel_id, item["ts"], emoji, user_id, at)
    else:
        timeline.remove_reaction(session, job.channel_id, item["ts"], emoji, user_id, at)
        first = False
    row = timeline.refresh_curation(session, job.channel_id, item["ts"], reactions.meaning)
    meaning = reactions.meaning(emoji)
    if not first or meaning is None:
        return []
    return after_reaction(services, job.client, incident.id, meaning, event, row, user_id)


def after_reaction(
    services: Services,
    client: WebClient | None,
    incident_id: int,
    meaning: str,
    event: dict[str, Any],
    row: TimelineEvent | None,
    user_id: str,
) -> list[AfterCommit]:
    """The hook for a newly added reaction's category, to run after the commit."""
    hook = HOOKS.get(meaning)
    if hook is None or client is None:
        return []
    payload = {**event, "message": entry(row) if row is not None else None}

    def run() -> None:
        hook(services, client, incident_id, payload, user_id)

    run.__name__ = f"reaction hook {meaning}"
    return [run]


def entry(row: TimelineEvent) -> dict[str, Any]:
    """A stored message as hooks see it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "channel_id": row.channel_id,
        "ts": row.ts,
        "thread_ts": row.thread_ts,
        "user_id": row.user_id,
        "text": row.text,
        "occurred_at": row.occurred_at.isoformat(),
        "categories": list(row.categories or []),
        "is_key": row.is_key,
    }


def _membership(
    session: Session, services: Services, incident: Incident, job: Job
) -> list[AfterCommit]:
    user_id = job.event.get("user")
    if not user_id or user_id == job.identity.user_id:
        return []
    at = event_at(job.event, job.event_time)
    if job.kind == MEMBER_JOINED:
        timeline.note_joined(session, incident, user_id, at)
    else:
        timeline.note_left(session, incident, user_id, at)
    return []


APPLIERS: dict[str, Callable[[Session, Services, Incident, Job], list[AfterCommit]]] = {
    MESSAGE: _message,
    REACTION_ADDED: _reaction,
    REACTION_REMOVED: _reaction,
    MEMBER_JOINED: _membership,
    MEMBER_LEFT: _membership,
}


def message_keys(job: Job) -> list[tuple[str, str]]:
    """The (channel, ts) of every message an event touches."""
    event = job.event
    if job.kind in (REACTION_ADDED, REACTION_REMOVED):
        stamps = [(event.get("item") or {}).get("ts")]
    elif job.kind == MESSAGE:
        stamps = [
            event.get("ts"),
            (event.get("message") or {}).get("ts"),
            event.get("deleted_ts"),
        ]
    else:
        stamps = []
    return [(job.channel_id, ts) for ts in stamps if ts]


# ----- the writer -------------------------------------------------------------


class Writer:
    """One thread that applies queued events in batches, in arrival order."""

    def __init__(self, services: Services, batch_size: int = BATCH_SIZE) -> None:
        self.services = services
        self.batch_size = batch_size
        self.queue: queue.Queue[Job] = queue.Queue()
        self.retries = 0  # transient database errors waited out
        self.written = 0
        self.failed = 0
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._hooks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sitrep-reaction-hook")

    def submit(self, job: Job) -> None:
        with self._idle:
            self._pending += 1
        self.queue.put(job)
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sitrep-capture", daemon=True
                )
                self._thread.start()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _run(self) -> None:
        while True:
            try:
                first = self.queue.get(timeout=IDLE_EXIT_SECONDS)
            except queue.Empty:
                with self._start_lock:
                    if self.queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.batch_size:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            began = time.perf_counter()
            try:
                self._write(batch)
            finally:
                with self._idle:
                    self._pending -= len(batch)
                    self._idle.notify_all()
            if self.queue.qsize() >= BURST_BACKLOG:
                # A burst: events arrive faster than they are written. Writing
                # competes with acks for the interpreter, so give the ack path
                # most of it; the backlog is written as soon as the burst eases.
                time.sleep((time.perf_counter() - began) * BURST_YIELD)

    def _count_retry(self) -> None:
        self.retries += 1

    def _write(self, batch: list[Job]) -> None:
        def work(session: Session) -> list[AfterCommit]:
            ids = [job.event_id for job in batch if job.event_id]
            timeline.prefetch(session, ids, [key for job in batch for key in message_keys(job)])
            afterwards: list[AfterCommit] = []
            for done, job in enumerate(batch, 1):
                afterwards += apply(session, self.services, job)
                if done % YIELD_EVERY == 0:
                    time.sleep(0)  # hand the GIL to request threads: acks come first
            return afterwards

        try:
            afterwards = transact(self.services.db, work, on_retry=self._count_retry)
        except Exception:
            if len(batch) > 1:  # find the one event that fails; keep the rest
                for job in batch:
                    self._write([job])
                return
            self.failed += 1
            log.exception("could not store %s event %s", batch[0].kind, batch[0].event_id)
            return
        self.written += len(batch)
        for after in afterwards:
            self._hooks.submit(_logged, after)


def _logged(after: AfterCommit) -> None:
    try:
        after()
    except Exception:
        log.exception("%s failed", getattr(after, "__name__", "follow-up"))


# ----- one capture per database in this process --------------------------------


@dataclass
class Capture:
    channels: IncidentChannels
    writer: Writer

    def submit(
        self,
        kind: str,
        event: dict[str, Any],
        channel_id: str | None,
        *,
        body: dict[str, Any] | None = None,
        identity: Identity | None = None,
        client: WebClient | None = None,
    ) -> bool:
        """Queue an event if it belongs to an incident channel; True when queued."""
        if not channel_id:
            return False
        try:
            incident_id = self.channels.incident_id(channel_id)
        except Exception as exc:  # cannot tell now; the writer looks again
            if not is_transient(exc):
                raise
            incident_id = None
        else:
            if incident_id is None:
                return False
        body = body or {}
        self.writer.submit(
            Job(
                kind=kind,
                event=event,
                channel_id=channel_id,
                incident_id=incident_id,
                event_id=body.get("event_id"),
                event_time=body.get("event_time"),
                identity=identity or Identity(),
                client=client,
            )
        )
        return True


_captures: weakref.WeakKeyDictionary[Database, Capture] = weakref.WeakKeyDictionary()
_captures_lock = threading.Lock()


def for_services(services: Services) -> Capture:
    with _captures_lock:
        found = _captures.get(services.db)
        if found is None:
            found = Capture(IncidentChannels(services.db), Writer(services))
            _captures[services.db] = found
        return found


@atexit.register
def _flush_all() -> None:
    """On a clean exit, write what is still queued before the process goes."""
    for capture in list(_captures.values()):
        capture.writer.flush(10.0)


def freeze_long_lived_objects(_services: Services, _client: WebClient) -> None:
    """Start-up task: keep the garbage collector off everything loaded at start.

    Capture allocates briskly, and each full collection would otherwise walk
    every module, template and Bolt object too, stopping all threads for ~100 ms:
    the slowest acks under load were exactly those pauses.
    """
    gc.collect()
    gc.freeze()


@hooks.on(hooks.ON_CHANNEL)
@hooks.on(hooks.ON_DECLARED)
def _incident_channel_opened(
    services: Services, _client: WebClient, _incident_id: int, _actor: str | None
) -> None:
    """A channel that was not an incident channel a moment ago may be one now.

    Forgotten as soon as the channel id is stored, before anyone is invited:
    the member_joined_channel events Slack sends for the invitations must
    not meet a remembered miss.
    """
    for_services(services).channels.forget()
