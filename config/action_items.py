"""When action-item digests go out, when an item counts as due soon, who gets told when it slips.

The YAML section ``action_items`` (all keys optional)::

    action_items:
      digest_day: monday          # the weekday of each owner's weekly digest
      digest_time: "09:00"        # in the owner's own time zone; nudges wait for it too
      due_soon_days: 2            # items due within this many days get their own nudge
      escalate_after_days: 7      # days overdue before the incident's IC is told (0: never)
      snooze_days: 7              # what "Snooze a week" means
      completion_window_days: 30  # the window of "completed within 30 days" in stats
      check_interval: 15m         # how often the digest task looks for work
      teams:                      # for "by team" stats
        payments: [U012ABC, U034DEF]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from config.values import ConfigError, parse_duration, require_int, require_mapping

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class ActionItemConfig:
    digest_weekday: int = 0  # Monday is 0, as in datetime.weekday()
    digest_time: time = time(9, 0)
    due_soon_days: int = 2
    escalate_after_days: int = 7  # 0 turns escalation off
    snooze_days: int = 7
    completion_window_days: int = 30
    check_interval: timedelta = timedelta(minutes=15)
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def team_of(self, user_id: str | None) -> str:
        """The first configured team listing this person, or "" when none does."""
        if not user_id:
            return ""
        return next((name for name, people in self.teams.items() if user_id in people), "")


def _weekday(value: Any) -> int:
    text = str(value).strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if text in (name, name[:3]):
            return index
    raise ConfigError("action_items.digest_day", f"expected a weekday like monday, got {value!r}")


def _time_of_day(value: Any) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:00 as the sexagesimal number 540.
        value = f"{value // 60}:{value % 60:02d}"
    match = _TIME.match(str(value))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError("action_items.digest_time", f"expected a time like 09:00, got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _teams(raw: Any) -> dict[str, tuple[str, ...]]:
    section = require_mapping(raw, "action_items.teams")
    teams: dict[str, tuple[str, ...]] = {}
    for name, people in section.items():
        key = f"action_items.teams.{name}"
        if not isinstance(people, list) or not all(isinstance(p, str) and p for p in people):
            raise ConfigError(key, "expected a list of Slack user ids, like [U012ABC, U034DEF]")
        teams[str(name)] = tuple(p.strip() for p in people)
    return teams


def parse_action_items(raw: Any) -> ActionItemConfig:
    section = require_mapping(raw, "action_items")
    known = {
        "digest_day",
        "digest_time",
        "due_soon_days",
        "escalate_after_days",
        "snooze_days",
        "completion_window_days",
        "check_interval",
        "teams",
    }
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"action_items.{unknown[0]}", "is not a known setting")
    interval = parse_duration(section.get("check_interval", "15m"), "action_items.check_interval")
    assert interval is not None
    return ActionItemConfig(
        digest_weekday=_weekday(section.get("digest_day", "monday")),
        digest_time=_time_of_day(section.get("digest_time", "09:00")),
        due_soon_days=require_int(section, "due_soon_days", "action_items.due_soon_days", 2),
        escalate_after_days=require_int(
            section, "escalate_after_days", "action_items.escalate_after_days", 7
        ),
        snooze_days=require_int(section, "snooze_days", "action_items.snooze_days", 7, minimum=1),
        completion_window_days=require_int(
            section, "completion_window_days", "action_items.completion_window_days", 30, minimum=1
        ),
        check_interval=interval,
        teams=_teams(section.get("teams")),
    )
