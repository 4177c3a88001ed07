"""Learning from incidents: the monthly report, pattern notices, fatigue and root causes.

The YAML section ``analytics`` (all keys optional)::

    analytics:
      report_channel: incident-reports   # the monthly report goes here; unset: no report
      report_day: 1                      # day of the month it is posted (1-28)
      report_time: "09:00"               # UTC
      pattern_threshold: 3               # notice from the 3rd incident of a kind per month
      similar_limit: 3                   # similar incidents shown at declare and on request
      night_hours: "22-06"               # local hours that count as a night
      fatigue:                           # per person, within the stats period
        sev12_incidents: 3               # SEV1/SEV2 incidents handled
        nights: 2                        # nights on an incident
        ic_hours: 24                     # hours as Incident Commander
      root_cause_categories: [...]       # what /incident tag accepts; [] accepts any
      opportunity_tags: [product-opportunity]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from config.values import ConfigError, require_int, require_list, require_mapping

DEFAULT_CATEGORIES = (
    "code-change",
    "configuration",
    "capacity",
    "dependency",
    "infrastructure",
    "data",
    "security",
    "process",
    "unknown",
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,49}$")
_HOURS = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class FatigueLimits:
    sev12_incidents: int = 3
    nights: int = 2
    ic_hours: int = 24


@dataclass(frozen=True)
class AnalyticsConfig:
    report_channel: str = ""
    report_day: int = 1
    report_time: time = time(9, 0)
    pattern_threshold: int = 3
    similar_limit: int = 3
    night_start: int = 22
    night_end: int = 6
    fatigue: FatigueLimits = FatigueLimits()
    root_cause_categories: tuple[str, ...] = DEFAULT_CATEGORIES
    opportunity_tags: tuple[str, ...] = ("product-opportunity",)

    def is_night(self, hour: int) -> bool:
        if self.night_start > self.night_end:
            return hour >= self.night_start or hour < self.night_end
        return self.night_start <= hour < self.night_end


def slug(value: Any, key: str) -> str:
    text = str(value).strip().lower().replace(" ", "-")
    if not _SLUG.match(text):
        raise ConfigError(key, f"{value!r} must be lowercase letters, digits, '-', '.' or '_'")
    return text


def _report_time(value: Any) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value // 60}:{value % 60:02d}"  # YAML 1.1 reads 09:00 as 540
    match = _TIME.match(str(value))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError("analytics.report_time", f"expected a time like 09:00, got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _night_hours(value: Any) -> tuple[int, int]:
    match = _HOURS.match(str(value))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 23:
        raise ConfigError("analytics.night_hours", f"expected hours like 22-06, got {value!r}")
    start, end = int(match.group(1)), int(match.group(2))
    if start == end:
        raise ConfigError("analytics.night_hours", "the start and end hour must differ")
    return start, end


def parse_analytics(raw: Any) -> AnalyticsConfig:
    section = require_mapping(raw, "analytics")
    known = {
        "report_channel",
        "report_day",
        "report_time",
        "pattern_threshold",
        "similar_limit",
        "night_hours",
        "fatigue",
        "root_cause_categories",
        "opportunity_tags",
    }
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(
            f"analytics.{unknown[0]}", f"is not a known setting ({', '.join(sorted(known))})"
        )
    channel = section.get("report_channel") or ""
    if not isinstance(channel, str):
        raise ConfigError("analytics.report_channel", f"expected a channel name, got {channel!r}")
    day = require_int(section, "report_day", "analytics.report_day", 1, minimum=1)
    if day > 28:
        raise ConfigError("analytics.report_day", "must be 28 or less, so every month has it")
    start, end = _night_hours(section.get("night_hours", "22-06"))
    fatigue = require_mapping(section.get("fatigue"), "analytics.fatigue")
    extra = sorted(set(fatigue) - {"sev12_incidents", "nights", "ic_hours"})
    if extra:
        raise ConfigError(f"analytics.fatigue.{extra[0]}", "is not a known setting")
    categories = section.get("root_cause_categories", list(DEFAULT_CATEGORIES))
    tags = section.get("opportunity_tags", ["product-opportunity"])
    return AnalyticsConfig(
        report_channel=channel.strip().lstrip("#"),
        report_day=day,
        report_time=_report_time(section.get("report_time", "09:00")),
        pattern_threshold=require_int(
            section, "pattern_threshold", "analytics.pattern_threshold", 3, minimum=2
        ),
        similar_limit=require_int(
            section, "similar_limit", "analytics.similar_limit", 3, minimum=1
        ),
        night_start=start,
        night_end=end,
        fatigue=FatigueLimits(
            sev12_incidents=require_int(
                fatigue, "sev12_incidents", "analytics.fatigue.sev12_incidents", 3, minimum=1
            ),
            nights=require_int(fatigue, "nights", "analytics.fatigue.nights", 2, minimum=1),
            ic_hours=require_int(fatigue, "ic_hours", "analytics.fatigue.ic_hours", 24, minimum=1),
        ),
        root_cause_categories=tuple(
            slug(c, f"analytics.root_cause_categories[{i}]")
            for i, c in enumerate(require_list(categories, "analytics.root_cause_categories"))
        ),
        opportunity_tags=tuple(
            slug(t, f"analytics.opportunity_tags[{i}]")
            for i, t in enumerate(require_list(tags, "analytics.opportunity_tags"))
        ),
    )
