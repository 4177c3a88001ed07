"""Severity levels: what each means and how often it needs a status update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config.values import (
    ConfigError,
    parse_duration,
    require_list,
    require_mapping,
    require_str,
)


@dataclass(frozen=True)
class Severity:
    key: str  # "SEV1"
    level: int  # 1 is the most severe
    name: str  # "Critical"
    description: str
    example: str
    response: str
    update_cadence: timedelta | None

    @property
    def label(self) -> str:
        return f"{self.key} ({self.name})"


# Definitions follow the common SEV-1..SEV-4 framework; cadences follow
# PagerDuty's practice of frequent updates for the worst incidents.
DEFAULT_SEVERITIES: list[dict[str, Any]] = [
    {
        "key": "SEV1",
        "name": "Critical",
        "description": "Complete service outage or data loss.",
        "example": "Production database down, all users affected.",
        "response": "All hands on deck, executives notified, immediate action.",
        "update_cadence": "20m",
    },
    {
        "key": "SEV2",
        "name": "High",
        "description": "Major feature broken or significant user impact.",
        "example": "Payment processing failing, login issues for 20% of users.",
        "response": "On-call and backup respond within 15 minutes.",
        "update_cadence": "30m",
    },
    {
        "key": "SEV3",
        "name": "Medium",
        "description": "Minor feature degraded, workaround available.",
        "example": "Search slower than normal, email notifications delayed.",
        "response": "On-call investigates during business hours.",
        "update_cadence": "2h",
    },
    {
        "key": "SEV4",
        "name": "Low",
        "description": "Cosmetic issue, no user impact.",
        "example": "UI button misaligned, typo in an error message.",
        "response": "Create a ticket and fix it in a normal sprint.",
        "update_cadence": "none",
    },
]


@dataclass(frozen=True)
class Severities:
    levels: tuple[Severity, ...]
    default_key: str

    def get(self, key: str) -> Severity | None:
        """Find a level by ``SEV2``, ``sev2``, ``2`` or its name (``high``)."""
        wanted = key.strip().lower().replace("-", "")
        for sev in self.levels:
            if wanted in {sev.key.lower(), str(sev.level), sev.name.lower()}:
                return sev
        return None

    def __getitem__(self, key: str) -> Severity:
        sev = self.get(key)
        if sev is None:
            raise KeyError(key)
        return sev

    @property
    def default(self) -> Severity:
        return self[self.default_key]

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.levels]


def parse_severities(raw: Any, default_key: Any) -> Severities:
    entries = require_list(raw, "severities") if raw is not None else DEFAULT_SEVERITIES
    if not entries:
        raise ConfigError("severities", "at least one severity level is required")
    levels: list[Severity] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        key = f"severities[{index}]"
        entry = require_mapping(entry, key)
        sev_key = require_str(entry, "key", f"{key}.key").upper()
        if sev_key in seen:
            raise ConfigError(f"{key}.key", f"{sev_key} is defined twice")
        seen.add(sev_key)
        levels.append(
            Severity(
                key=sev_key,
                level=index + 1,
                name=require_str(entry, "name", f"{key}.name"),
                description=require_str(entry, "description", f"{key}.description"),
                example=str(entry.get("example", "")),
                response=str(entry.get("response", "")),
                update_cadence=parse_duration(
                    entry.get("update_cadence"), f"{key}.update_cadence", allow_none=True
                ),
            )
        )
    severities = Severities(tuple(levels), default_key=levels[min(2, len(levels) - 1)].key)
    if default_key is not None:
        chosen = severities.get(str(default_key))
        if chosen is None:
            raise ConfigError(
                "default_severity", f"{default_key!r} is not one of {', '.join(severities.keys)}"
            )
        severities = Severities(severities.levels, default_key=chosen.key)
    return severities
