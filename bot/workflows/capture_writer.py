"""The capture writer: one thread per process and database that stores queued events.

Listeners only queue; this thread takes events in arrival order, applies them
in batches of one transaction each, and waits out a busy database, so an
event Slack got a 200 for is never dropped because of the database. It stops
after a quiet spell and starts again with the next event.

Nothing waits forever. A write that fails for a reason waiting cannot cure,
or that stays busy past ``MAX_ATTEMPTS``, becomes a dead letter (see
``dead_letters``) and the writer moves on. The queue is bounded: when it is
full a listener waits up to ``QUEUE_FULL_WAIT`` seconds for room (Bolt has
already acknowledged the event, so Slack is not kept waiting, only one of
Bolt's workers), then keeps the event as a dead letter rather than drop it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import metrics
from bot.services import Services
from bot.workflows import (
    capture_events,  # a module: see the note in capture.py
    dead_letters,
)
from bot.workflows.db_writes import AfterCommit, GaveUp, run_after_commit, transact
from core import log_context, timeline
from storage.models import Incident

log = logging.getLogger(__name__)

BATCH_SIZE = 50
YIELD_EVERY = 5
BURST_BACKLOG = 100  # queued events that mean a burst is on
BURST_YIELD = 2.0  # in a burst, pause twice as long as the last batch took
IDLE_EXIT_SECONDS = 30.0
# About a minute of backing off on an unreachable PostgreSQL; on a locked
# SQLite file each attempt also waits out the busy timeout, so several minutes.
MAX_ATTEMPTS = 30
QUEUE_FULL_WAIT = 1.0


class Writer:
    """One thread that applies queued events in batches, in arrival order."""

    def __init__(
        self,
        services: Services,
        batch_size: int = BATCH_SIZE,
        queue_size: int | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.services = services
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        size = queue_size or services.settings.operations.capture_queue_size
        self.queue: queue.Queue[capture_events.Job] = queue.Queue(maxsize=size)
        self.retries = 0  # transient database errors waited out
        self.written = 0
        self.failed = 0  # events that became dead letters (or, failing that, error logs)
        self.dead_lettered = 0
        self._current: list[capture_events.Job] = []
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._hooks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sitrep-reaction-hook")

    def expect(self) -> None:
        """An event may be submitted soon (it is held elsewhere); ``flush`` waits for it."""
        with self._idle:
            self._pending += 1

    def unexpect(self) -> None:
        """An expected event will not come after all."""
        self._done(1)

    def submit(self, job: capture_events.Job, expected: bool = False) -> None:
        if not expected:
            self.expect()
        try:
            self.queue.put(job, timeout=QUEUE_FULL_WAIT)
        except queue.Full:
            self._keep([job], dead_letters.QUEUE_FULL, "the capture queue was full", 0)
            self._done(1)
            return
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sitrep-capture", daemon=True
                )
                self._thread.start()

    def _done(self, count: int) -> None:
        with self._idle:
            self._pending -= count
            self._idle.notify_all()

    def _keep(
        self, jobs: list[capture_events.Job], reason: str, error: BaseException | str, attempts: int
    ) -> None:
        self.failed += len(jobs)
        if dead_letters.record(self.services.db, jobs, reason, error, attempts):
            self.dead_lettered += len(jobs)

    def drain(self, timeout: float) -> bool:
        """For shutdown: write what is queued within ``timeout``, keep the rest as dead letters.

        True when everything was written. Events still queued, or in a write that
        has not committed, are kept as dead letters; a write that commits after
        all the same is harmless, because replaying an event id already stored
        does nothing.
        """
        if self.flush(timeout):
            return True
        left: list[capture_events.Job] = list(self._current)
        while True:
            try:
                left.append(self.queue.get_nowait())
            except queue.Empty:
                break
        if left:
            self._keep(left, dead_letters.SHUTDOWN, "the process stopped before writing it", 0)
        return False

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
            self._current = batch
            try:
                self._write(batch)
            except Exception:  # the thread must outlive any one batch
                log.exception("the capture writer failed on a batch of %d", len(batch))
            finally:
                self._current = []
                self._done(len(batch))
            if self.queue.qsize() >= BURST_BACKLOG:
                # A burst: events arrive faster than they are written. Writing
                # competes with acks for the interpreter, so give the ack path
                # most of it; the backlog is written as soon as the burst eases.
                time.sleep((time.perf_counter() - began) * BURST_YIELD)

    def _number(self, incident_id: int | None) -> int | None:
        """The incident's number for a log line; None when it cannot be read."""
        if incident_id is None:
            return None
        try:
            with self.services.db.session() as session:
                return session.scalar(select(Incident.number).where(Incident.id == incident_id))
        except Exception:
            return None

    def _count_retry(self) -> None:
        self.retries += 1

    def _write(self, batch: list[capture_events.Job]) -> None:
        def work(session: Session) -> list[AfterCommit]:
            ids = [job.event_id for job in batch if job.event_id]
            keys = [key for job in batch for key in capture_events.message_keys(job)]
            timeline.prefetch(session, ids, keys)
            afterwards: list[AfterCommit] = []
            for done, job in enumerate(batch, 1):
                with log_context.bound(event_id=job.event_id, incident_id=job.incident_id):
                    afterwards += capture_events.apply(session, self.services, job)
                if done % YIELD_EVERY == 0:
                    time.sleep(0)  # hand the GIL to request threads: acks come first
            return afterwards

        try:
            afterwards = transact(
                self.services.db, work, on_retry=self._count_retry, max_attempts=self.max_attempts
            )
        except GaveUp as exc:
            # Busy for minutes: the database is in trouble, not these events.
            log.error(
                "database busy past %d attempts; keeping %d event(s) aside",
                exc.attempts,
                len(batch),
            )
            self._keep(batch, dead_letters.FAILED, exc.__cause__ or exc, exc.attempts)
            return
        except Exception as exc:
            if len(batch) > 1:  # find the one event that fails; keep the rest
                for job in batch:
                    self._write([job])
                return
            job = batch[0]
            with log_context.bound(
                event_id=job.event_id,
                incident_id=job.incident_id,
                incident=self._number(job.incident_id),
            ):
                log.exception("could not store %s event %s", job.kind, job.event_id)
                self._keep(batch, dead_letters.FAILED, exc, 1)
            return
        self.written += len(batch)
        metrics.EVENTS_STORED.inc(len(batch))
        for after in afterwards:
            self._hooks.submit(run_after_commit, after)
