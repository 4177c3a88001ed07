"""The per-process scheduler: paused everywhere, running only on the leader."""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from bot import metrics
from bot.services import Services
from scheduler import registry, tasks
from scheduler.leader import Leadership

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"


class _TolerantScheduler(BackgroundScheduler):
    """After running a one-off job APScheduler removes it; if another thread or process
    already removed it, the stock scheduler's loop thread dies on ``JobLookupError`` and
    no job runs again in this process. Treat "already gone" as done instead."""

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        try:
            super().remove_job(job_id, jobstore)
        except JobLookupError:
            log.debug("job %s was already removed", job_id)


class Scheduler:
    def __init__(self, services: Services) -> None:
        tasks.load()
        self.services = services
        config = services.settings.config.scheduler
        self.poll_interval = config.poll_interval.total_seconds()
        self.leadership = Leadership(services.db, lease_ttl=config.lease_ttl)
        self.jobstore = SQLAlchemyJobStore(engine=services.db.engine, tablename=JOB_TABLE)
        self.aps = _TolerantScheduler(
            jobstores={"default": self.jobstore},
            executors={"default": ThreadPoolExecutor(4)},
            # No misfire limit: a job due while every process was down still runs.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self.leading = False
        self._stop = threading.Event()
        self.checked = threading.Event()  # set once leadership has been looked at
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        registry.bind(self.services)
        self.services.scheduler = self
        self.aps.start(paused=True)
        self._thread = threading.Thread(target=self._lead, name="sitrep-leader", daemon=True)
        self._thread.start()

    def _lead(self) -> None:
        while not self._stop.is_set():
            try:
                self._check_leadership()
            except Exception:  # keep trying; a database blip must not end scheduling
                log.exception("scheduler leadership check failed")
            self.checked.set()
            self._stop.wait(self.poll_interval)

    def _check_leadership(self) -> None:
        leader = self.leadership.try_acquire()
        if leader and not self.leading:
            log.info("this process now runs scheduled jobs (%s)", self.leadership.holder)
            self.ensure_recurring_jobs()
            self.aps.resume()
            self.leading = True
        elif not leader and self.leading:
            log.info("another process runs scheduled jobs now")
            self.aps.pause()
            self.leading = False
        if self.leading:
            # Jobs added by other processes go straight to the store; look again.
            self.aps.wakeup()
        metrics.LEADER.set(1 if self.leading else 0)

    def ensure_recurring_jobs(self) -> None:
        for task in registry.TASKS.values():
            if task.trigger is None:
                continue
            trigger = task.trigger(self.services.settings)
            if trigger is None:
                self.cancel(task.name)
                continue
            existing = self.aps.get_job(task.name)
            if existing is not None and str(existing.trigger) == str(trigger):
                continue  # keep its next run time across restarts
            self.aps.add_job(
                registry.run_task,
                trigger=trigger,
                args=[task.name],
                id=task.name,
                name=task.name,
                replace_existing=True,
            )

    def schedule_once(self, job_id: str, task_name: str, run_at: datetime, *args: Any) -> None:
        """Run ``task_name(*args)`` at ``run_at``; the same ``job_id`` replaces the old time."""
        if task_name not in registry.TASKS:
            raise KeyError(f"no task named {task_name!r}")
        self.aps.add_job(
            registry.run_task,
            trigger=DateTrigger(run_date=run_at, timezone=UTC),
            args=[task_name, *args],
            id=job_id,
            name=task_name,
            replace_existing=True,
        )

    def stored_jobs(self, prefix: str) -> dict[str, datetime | None]:
        """The stored jobs whose id starts with ``prefix``, and when each runs next.

        Read from the job table's own columns: APScheduler's ``get_jobs()``
        unpickles every stored job, and reminders ask after each change.
        """
        table = self.jobstore.jobs_t
        query = select(table.c.id, table.c.next_run_time).where(
            table.c.id.startswith(prefix, autoescape=True)
        )
        with self.services.db.engine.connect() as connection:
            return {
                job_id: None if at is None else datetime.fromtimestamp(at, UTC)
                for job_id, at in connection.execute(query)
            }

    def cancel(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self.aps.remove_job(job_id)

    def stop(self, wait_for_jobs: float = 0.0) -> bool:
        """Stop scheduling and give up leadership; with ``wait_for_jobs``, first let
        running jobs finish for up to that many seconds. True when none was left running."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        finished = True
        try:
            if wait_for_jobs > 0 and self.aps.running:
                waiter = threading.Thread(target=lambda: self.aps.shutdown(wait=True), daemon=True)
                waiter.start()
                waiter.join(wait_for_jobs)
                finished = not waiter.is_alive()
            if self.aps.running:
                self.aps.shutdown(wait=False)
        finally:
            self.leadership.release()
            self.leading = False
            metrics.LEADER.set(0)
        return finished
