"""Named tasks that the scheduler (or ``sitrep jobs run``) can run.

Persisted jobs all point at ``run_task`` with the task's name as the first
argument, so renaming a Python function never orphans a stored job.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from bot import metrics
from bot.services import Services
from config import Settings
from core import log_context

log = logging.getLogger(__name__)

TaskFunc = Callable[..., Any]
TriggerFactory = Callable[[Settings], BaseTrigger | None]


@dataclass(frozen=True)
class Task:
    name: str
    func: TaskFunc  # func(services, *args)
    description: str
    trigger: TriggerFactory | None = None  # set for recurring tasks


TASKS: dict[str, Task] = {}
_current: Services | None = None
_lock = threading.Lock()


def task(
    name: str, description: str, trigger: TriggerFactory | None = None
) -> Callable[[TaskFunc], TaskFunc]:
    """Register ``func`` under ``name``; a ``trigger`` makes it recurring."""

    def register(func: TaskFunc) -> TaskFunc:
        if name in TASKS and TASKS[name].func is not func:
            raise ValueError(f"task {name!r} registered twice")
        TASKS[name] = Task(name, func, description, trigger)
        return func

    return register


def bind(services: Services) -> None:
    """Tell stored jobs which process-wide services to run with."""
    global _current
    with _lock:
        _current = services


def current() -> Services:
    if _current is None:
        raise RuntimeError("the scheduler has not been bound to services")
    return _current


def run_task(name: str, *args: Any) -> Any:
    """The one callable every stored job references."""
    found = TASKS.get(name)
    if found is None:
        log.error("stored job refers to unknown task %r; skipping", name)
        return None
    began = time.perf_counter()
    try:
        with log_context.bound(job=name):
            result = found.func(current(), *args)
    except Exception:
        metrics.record_job(name, "error", time.perf_counter() - began)
        raise
    metrics.record_job(name, "ok", time.perf_counter() - began)
    return result
