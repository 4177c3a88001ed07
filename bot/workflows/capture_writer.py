"""The capture writer: one thread per process and database that stores queued events.

Listeners only queue; this thread takes events in arrival order, applies them
in batches of one transaction each, and waits out a busy database, so an
event Slack got a 200 for is never dropped because of the database. It stops
after a quiet spell and starts again with the next event.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows import capture_events  # a module: see the note in capture.py
from bot.workflows.db_writes import AfterCommit, run_after_commit, transact
from core import timeline

log = logging.getLogger(__name__)

BATCH_SIZE = 50
YIELD_EVERY = 5
BURST_BACKLOG = 100  # queued events that mean a burst is on
BURST_YIELD = 2.0  # in a burst, pause twice as long as the last batch took
IDLE_EXIT_SECONDS = 30.0


class Writer:
    """One thread that applies queued events in batches, in arrival order."""

    def __init__(self, services: Services, batch_size: int = BATCH_SIZE) -> None:
        self.services = services
        self.batch_size = batch_size
        self.queue: queue.Queue[capture_events.Job] = queue.Queue()
        self.retries = 0  # transient database errors waited out
        self.written = 0
        self.failed = 0
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._hooks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sitrep-reaction-hook")

    def submit(self, job: capture_events.Job) -> None:
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

    def _write(self, batch: list[capture_events.Job]) -> None:
        def work(session: Session) -> list[AfterCommit]:
            ids = [job.event_id for job in batch if job.event_id]
            keys = [key for job in batch for key in capture_events.message_keys(job)]
            timeline.prefetch(session, ids, keys)
            afterwards: list[AfterCommit] = []
            for done, job in enumerate(batch, 1):
                afterwards += capture_events.apply(session, self.services, job)
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
            self._hooks.submit(run_after_commit, after)
