"""Work a serving process does besides answering requests: start-up repair and background jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient

from bot.services import Services
from bot.workflows import backfill, capture, declare, insights
from scheduler.service import Scheduler

log = logging.getLogger(__name__)

StartupTask = Callable[[Services, WebClient], object]

# Run once, in the background, each time a process starts serving.
STARTUP_TASKS: list[StartupTask] = [
    declare.retry_incomplete,
    backfill.backfill_open_incidents,
    insights.repair_search_index,
    capture.freeze_long_lived_objects,
]


def run_startup_tasks(services: Services, client: WebClient) -> threading.Thread:
    def run() -> None:
        for task in STARTUP_TASKS:
            try:
                task(services, client)
            except Exception:  # one broken task must not stop the others
                log.exception("start-up task %s failed", getattr(task, "__name__", task))
        log.info("start-up tasks finished")

    thread = threading.Thread(target=run, name="sitrep-startup", daemon=True)
    thread.start()
    return thread


def start_scheduler(services: Services) -> Scheduler:
    scheduler = Scheduler(services)
    scheduler.start()
    return scheduler
