"""Fault injection: make the next N calls of a method fail the ways Slack fails.

A bot must survive Slack errors, 429s with Retry-After, 5xx and slow answers;
tests arm a fault, and the server consumes it on the next matching call.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class Fault:
    """One armed fault; ``method`` may be ``"*"`` for every method."""

    method: str
    kind: str  # "error" | "ratelimit" | "server_error" | "delay" | "drop"
    remaining: int
    error: str = ""
    retry_after: int = 1
    status: int = 500
    seconds: float = 0.0
    # "drop": whether the call takes effect before its answer is lost.
    applied: bool = False
    # Set for a fault that lasts a while (time.monotonic() deadline) instead of
    # ``remaining`` calls, like a rate limit Slack keeps on for 20 seconds.
    until: float | None = None

    def live(self) -> bool:
        if self.until is not None:
            return time.monotonic() < self.until
        return self.remaining > 0

    def matches(self, method: str) -> bool:
        """Whether this fault applies to a call of ``method``."""
        return self.live() and self.method in ("*", method)

    def wait_seconds(self) -> int:
        """The Retry-After to answer: never past the end of a timed fault."""
        if self.until is None:
            return self.retry_after
        left = math.ceil(self.until - time.monotonic())
        return max(0, min(self.retry_after, left))


class FaultPlan:
    """The armed faults, in the order they were armed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def arm(self, fault: Fault) -> None:
        """Add a fault (count must be positive)."""
        if fault.remaining < 1 and fault.until is None:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str) -> tuple[float, Fault | None]:
        """Consume what applies to this call: total delay, then at most one failing fault."""
        delay = 0.0
        answer: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method):
                    continue
                if fault.kind == "delay":
                    delay += fault.seconds
                    fault.remaining -= 1
                elif answer is None:
                    answer = fault
                    fault.remaining -= 1
            self._faults = [f for f in self._faults if f.live()]
        return delay, answer

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._faults.clear()
