"""The per-person allowance for expensive commands."""

from __future__ import annotations

import pytest

from bot.rate_limit import PerUserLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_more_as_the_allowance_refills() -> None:
    clock = Clock()
    limit = PerUserLimit(per_minute=6, clock=clock)
    assert [limit.wait_needed("T:U1") for _ in range(6)] == [0.0] * 6
    assert limit.wait_needed("T:U1") == pytest.approx(10.0)
    clock.now += 9.9
    assert limit.wait_needed("T:U1") > 0
    clock.now += 0.2
    assert limit.wait_needed("T:U1") == 0.0
    assert limit.wait_needed("T:U2") == 0.0  # everyone has their own


def test_refused_attempts_do_not_push_the_wait_further() -> None:
    clock = Clock()
    limit = PerUserLimit(per_minute=1, clock=clock)
    assert limit.wait_needed("k") == 0.0
    for _ in range(5):
        assert limit.wait_needed("k") == pytest.approx(60.0 - (clock.now - 1000.0))
        clock.now += 1
    clock.now = 1060.0
    assert limit.wait_needed("k") == 0.0


def test_memory_follows_the_active_people() -> None:
    clock = Clock()
    limit = PerUserLimit(per_minute=60, clock=clock)
    for n in range(2000):
        limit.wait_needed(f"T:U{n}")
    clock.now += 120
    limit.wait_needed("T:late")
    assert len(limit._buckets) < 2000
