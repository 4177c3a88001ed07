"""A per-person allowance for the commands that cost the most.

Searching, stats, reading a whole channel, a whole timeline or drafting a
postmortem each take a work thread for seconds; a few people repeating them
could keep the pool from everyone else. Each person gets a small bucket that
refills steadily; an empty bucket means a polite "wait a moment", given in
the acknowledgement so the refused command costs no thread at all.

The buckets live in memory, per process: the pool they protect is per process
too. Behind a load balancer each process grants its own allowance.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class PerUserLimit:
    def __init__(
        self, per_minute: int, burst: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute < 1:
            raise ValueError("the allowance must be at least one command a minute")
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = float(burst or per_minute)
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def wait_needed(self, key: str) -> float:
        """Take one command from ``key``'s allowance: 0 when allowed, else seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled, so memory follows the active people only."""
        if len(self._buckets) < 1024:
            return
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
