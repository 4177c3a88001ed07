"""Stopping ``sitrep serve`` without losing anything: SIGTERM (or Ctrl-C) drains, then exits.

In order, within ``SITREP_SHUTDOWN_TIMEOUT`` (10 s by default) all told:

1. stop taking requests: close the listening socket (HTTP) or the Socket Mode
   connection; requests already received are still answered;
2. let the work those requests started finish (Bolt's listener threads);
3. write every captured event still held or queued; what cannot be written
   in time is kept as a dead letter, so a rolling restart loses nothing even
   when Slack's history cannot be read back afterwards;
4. let running scheduled jobs finish, then give up the leader lock so another
   process takes over at once;
5. exit 0, or 1 when something had to be cut short (the log says what).

A second signal while draining is ignored: the drain is already bounded.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App
from waitress import wasyncore

from bot.services import Services
from bot.workflows import capture

log = logging.getLogger(__name__)

FLUSH_GRACE_SECONDS = 0.5


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())


def on_signal(stop: Callable[[], None]) -> threading.Event:
    """Call ``stop`` once, on the first SIGTERM or SIGINT; returns the event that records it."""
    requested = threading.Event()

    def handler(_signum: int, _frame: Any) -> None:
        # No logging here: the interrupted code may hold the logging lock.
        if not requested.is_set():
            requested.set()
            stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return requested


def _wait(condition: Callable[[], bool], deadline: Deadline, step: float = 0.02) -> bool:
    while not condition():
        if not deadline.left():
            return False
        time.sleep(step)
    return True


def _join(work: Callable[[], Any], timeout: float, name: str) -> bool:
    """Run ``work`` on its own thread; True when it finished within ``timeout``."""
    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    thread.join(timeout)
    return not thread.is_alive()


def stop_accepting(server: Any) -> None:
    """Close only the listening socket (in the server's loop thread): open connections
    keep being served, so requests already received get their answers."""
    server.trigger.pull_trigger(lambda: wasyncore.dispatcher.close(server))


def http_requests_done(server: Any, deadline: Deadline) -> bool:
    """Wait until waitress has no request queued or running and has sent every answer."""
    tasks = server.task_dispatcher

    def idle() -> bool:
        with tasks.lock:
            busy = bool(tasks.queue) or tasks.active_count > 0
        return not busy

    if not _wait(idle, deadline):
        return False
    channels = [c for c in list(server._map.values()) if hasattr(c, "total_outbufs_len")]
    flushed = Deadline(min(FLUSH_GRACE_SECONDS, deadline.left()))
    return _wait(lambda: not any(c.total_outbufs_len for c in channels), flushed)


def close_loop(server: Any) -> None:
    """End ``server.run()``: close every connection and the trigger, in the loop thread."""

    def close_all() -> None:
        wasyncore.close_all(server._map)

    server.trigger.pull_trigger(close_all)


def drain(services: Services, app: App, scheduler: Any, deadline: Deadline) -> bool:
    """Steps 2–4 above; True when nothing had to be cut short."""
    clean = True
    executor: Executor | None = getattr(app.listener_runner, "listener_executor", None)
    if executor is not None and not _join(
        lambda: executor.shutdown(wait=True), deadline.left(), "sitrep-drain-listeners"
    ):
        log.warning("request handlers still running at the shutdown deadline")
        clean = False
    if not capture.for_services(services).drain(deadline.left()):
        log.warning("captured events left unwritten at the deadline were kept as dead letters")
        clean = False
    if scheduler is not None and not scheduler.stop(wait_for_jobs=deadline.left()):
        log.warning("scheduled jobs still running at the shutdown deadline")
        clean = False
    return clean
