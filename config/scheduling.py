"""How the scheduler coordinates between processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config.values import parse_duration, require_mapping


@dataclass(frozen=True)
class SchedulerConfig:
    poll_interval: timedelta
    lease_ttl: timedelta


def parse_scheduler(raw: Any) -> SchedulerConfig:
    section = require_mapping(raw, "scheduler")
    poll = parse_duration(section.get("poll_interval", "2s"), "scheduler.poll_interval")
    ttl = parse_duration(section.get("lease_ttl", "15s"), "scheduler.lease_ttl")
    assert poll is not None and ttl is not None
    return SchedulerConfig(poll_interval=poll, lease_ttl=ttl)
