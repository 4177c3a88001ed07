"""The cadence sweep and reminder rescheduling with many open incidents.

    python -m bench.sweep [--incidents 500] [--runs 7] [--database-url URL]

The sweep runs every ``cadence.sweep_interval`` (30 s) in the leader. With
every open incident quiet (its overdue update reminded within the grace, its
IC's fatigue nudge sent), it sends nothing, so its cost is the cost of
finding that out. For 1 open incident and then for ``--incidents``, in the
same run, it measures SELECT statements and time of:

- ``sweep``: ``bot.workflows.reminders.sweep`` as the scheduler runs it;
- ``per incident``: the sweep's former way of finding due work (three to four
  queries for each open incident), kept here as the baseline;

and, with two stored reminder jobs per open incident, the job look-ups one
``reminders.reschedule`` makes (one per kind of reminder): APScheduler's
``get_jobs()``, which unpickles every stored job (before), against
``Scheduler.stored_jobs`` (now).

``--database-url`` takes an empty database (it is migrated); the default is a
SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from bot.render import Templates
from bot.services import Services
from bot.slack_client import make_client
from bot.workflows import reminders
from config import EnvSettings, Settings, load_config
from config.lifecycle import Statuses
from core import cadence
from scheduler.service import Scheduler
from storage import migrate
from storage.db import Database
from storage.models import Incident
from storage.types import utcnow
from tests.support import open_incidents

# One reschedule looks up the jobs of each kind of reminder for its incident.
PREFIXES = [f"{kind}:1:" for kind in cadence.KINDS]


@contextmanager
def counting(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def per_incident_due_work(
    database: Database, now: datetime, grace: timedelta, fatigue: timedelta, statuses: Statuses
) -> list[cadence.DueWork]:
    """How the sweep found due work before: a few look-ups for every open incident."""
    work: list[cadence.DueWork] = []
    with database.session() as session:
        for incident in session.scalars(
            select(Incident).where(
                Incident.status.not_in(statuses.not_open), Incident.channel_id.is_not(None)
            )
        ):
            due = incident.next_update_due_at
            if due is not None and due <= now:
                key = cadence.key_for(due)
                reminded = cadence.reminder(session, incident.id, cadence.REMIND, key)
                escalated = cadence.reminder(session, incident.id, cadence.ESCALATE, key)
                if reminded is None or reminded.state == cadence.SENDING:
                    work.append(cadence.DueWork(incident.id, cadence.REMIND, key))
                elif (escalated is not None and escalated.state != cadence.SENDING) or (
                    reminded.state == cadence.SENT and reminded.sent_at + grace <= now
                ):
                    work.append(cadence.DueWork(incident.id, cadence.ESCALATE, key))
            tired = cadence.fatigue_due(session, incident, fatigue)
            if tired is not None and tired[1] <= now:
                sent = cadence.reminder(session, incident.id, cadence.FATIGUE, str(tired[0].id))
                if sent is None or sent.state == cadence.SENDING:
                    work.append(cadence.DueWork(incident.id, cadence.FATIGUE, str(tired[0].id)))
    return work


def measure(database: Database, runs: int, work: Callable[[], object]) -> tuple[int, list[float]]:
    """SELECTs in one run, and the time of each of ``runs`` runs."""
    with counting(database) as seen:
        work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return len(seen), times


def row(name: str, queries: int, times: list[float]) -> None:
    print(
        f"  {name:<32} {queries:>6} SELECTs   median {statistics.median(times) * 1000:8.1f} ms"
        f"   max {max(times) * 1000:8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        database = Database(url)
        migrate.upgrade(database)
        # Nothing is posted: every incident is quiet, so the client is never called.
        env = EnvSettings.from_environ(
            {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
        )
        config = load_config(None)
        services = Services(Settings(env, config), database, Templates())
        client = make_client(env)
        lifecycle = config.lifecycle
        grace, fatigue = lifecycle.cadence.grace, lifecycle.cadence.ic_fatigue
        assert (grace, fatigue) == (open_incidents.GRACE, open_incidents.FATIGUE)
        now = utcnow()
        scheduler = Scheduler(services)
        scheduler.aps.start(paused=True)
        services.scheduler = scheduler
        print(f"{database.dialect}, {args.runs} runs each")

        seeded = 0
        for size in (1, args.incidents):
            open_incidents.seed(database, [open_incidents.QUIET] * (size - seeded), now, seeded + 1)
            ids = list(range(seeded + 1, size + 1))
            for incident_id in ids:  # two stored jobs each, as reschedule leaves them
                scheduler.schedule_once(
                    f"{cadence.REMIND}:{incident_id}:x", "cadence.remind", now + timedelta(hours=1)
                )
                scheduler.schedule_once(
                    f"{cadence.FATIGUE}:{incident_id}:y",
                    "cadence.ic_fatigue",
                    now + timedelta(hours=2),
                )
            seeded = size
            print(f"{size} open incident{'s' if size > 1 else ''}:")

            def former() -> object:
                return per_incident_due_work(database, now, grace, fatigue, lifecycle.statuses)

            def sweep() -> object:
                sent = reminders.sweep(services, client)
                assert sent == 0
                return sent

            assert former() == []
            row("per incident (before)", *measure(database, args.runs, former))
            row("sweep (now)", *measure(database, args.runs, sweep))

            def get_jobs() -> list[list[str]]:
                return [
                    sorted(j.id for j in scheduler.aps.get_jobs() if j.id.startswith(prefix))
                    for prefix in PREFIXES
                ]

            def stored_jobs() -> list[list[str]]:
                return [sorted(scheduler.stored_jobs(prefix)) for prefix in PREFIXES]

            assert get_jobs() == stored_jobs()
            jobs = f"{2 * size} stored jobs"
            row(f"get_jobs x3, {jobs}", *measure(database, args.runs, get_jobs))
            row(f"stored_jobs x3, {jobs}", *measure(database, args.runs, stored_jobs))
        scheduler.aps.shutdown(wait=False)
        database.dispose()


if __name__ == "__main__":
    main()
