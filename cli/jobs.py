"""``sitrep jobs list`` and ``sitrep jobs run <name> [args]``."""

from __future__ import annotations

import argparse
import sys

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from bot.services import Services
from config import load_settings
from scheduler import registry, tasks
from scheduler.service import JOB_TABLE
from storage import migrate


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("jobs", help="scheduled jobs")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="show tasks and scheduled jobs").set_defaults(run=run_list)
    run = actions.add_parser("run", help="run a task now, in this process")
    run.add_argument("name")
    run.add_argument("args", nargs="*", help="task arguments, e.g. an incident id")
    run.set_defaults(run=run_now)


def _services() -> Services:
    services = Services.build(load_settings())
    migrate.upgrade(services.db)
    tasks.load()
    registry.bind(services)
    return services


def run_list(_args: argparse.Namespace) -> int:
    services = _services()
    store = SQLAlchemyJobStore(engine=services.db.engine, tablename=JOB_TABLE)
    store.start(None, "default")  # type: ignore[arg-type]
    scheduled = {job.id: job for job in store.get_all_jobs()}
    print("TASK                           NEXT RUN (UTC)              DESCRIPTION")
    for task in sorted(registry.TASKS.values(), key=lambda t: t.name):
        job = scheduled.get(task.name)
        when = job.next_run_time.isoformat() if job and job.next_run_time else "on demand"
        print(f"{task.name:30} {when:27} {task.description}")
    one_offs = [j for j in scheduled.values() if j.id not in registry.TASKS]
    if one_offs:
        print("\nSCHEDULED                      NEXT RUN (UTC)              TASK")
        for job in sorted(one_offs, key=lambda j: j.next_run_time.timestamp()):
            print(f"{job.id:30} {job.next_run_time.isoformat():27} {job.name}")
    return 0


def run_now(args: argparse.Namespace) -> int:
    _services()
    if args.name not in registry.TASKS:
        known = ", ".join(sorted(registry.TASKS)) or "none"
        print(f"sitrep: no task named {args.name!r}; known tasks: {known}", file=sys.stderr)
        return 2
    result = registry.run_task(args.name, *args.args)
    if result is not None:
        print(result)
    return 0
