"""The threads that do Sitrep's slow work, apart from the threads that acknowledge.

Bolt, left to itself, runs acknowledgements and the slow work they start
(lazy listeners) on one pool of five threads. Five declares waiting on a slow
Slack then held every thread, and the next ``/incident help`` could not even
be acknowledged. Sitrep runs every acknowledgement on the thread that received
the request (waitress's, or the Socket Mode client's), never here, and gives
this pool only the slow work. It is bounded, so a flood queues instead of
starting unbounded threads, and it says when it is full, so the people whose
work must queue can be told so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class WorkPool(Executor):
    """A ThreadPoolExecutor that counts what it holds; Bolt's ``listener_executor``."""

    def __init__(self, workers: int, name: str = "sitrep-work") -> None:
        if workers < 1:
            raise ValueError("a work pool needs at least one thread")
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._held = 0  # running or waiting for a thread
        self._done = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            self._held += 1

        def run() -> T:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._held -= 1
                    self._done += 1
                    self._idle.notify_all()

        try:
            return self._executor.submit(run)
        except BaseException:
            with self._lock:
                self._held -= 1
            raise

    @property
    def saturated(self) -> bool:
        """Whether work submitted now would wait for a thread."""
        with self._lock:
            return self._held >= self.workers

    @property
    def held(self) -> int:
        with self._lock:
            return self._held

    @property
    def done(self) -> int:
        """How many pieces of work have finished, for tests and metrics."""
        with self._lock:
            return self._done

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is running or waiting; False if ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._held == 0, timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=cancel_futures)
