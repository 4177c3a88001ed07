"""Which rules an incident event triggers, and the ordered list of actions they ask for.

This is the pure half of the rules engine: it reads an incident's facts and
the configured rules and returns a plan. Carrying the plan out is Slack's
business (``bot/workflows/rules.py``); the CLI prints the same plan without
doing it, so what ``sitrep rules test`` shows is what the bot would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from config.rules import Conditions, Rule, RuleAction, RulesConfig
from config.services import Catalog
from storage.models import Incident

PLACEHOLDERS = ("number", "severity", "title", "status", "reference")


@dataclass(frozen=True)
class Facts:
    """What conditions are tested against: an incident as it is after the event."""

    severity: str
    services: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    private: bool = False
    tags: frozenset[str] = frozenset()
    status: str = ""


@dataclass(frozen=True)
class PlannedAction:
    rule: str
    position: int  # 1-based, within its rule
    kind: str
    value: Any


@dataclass(frozen=True)
class Plan:
    event: str
    matched: tuple[Rule, ...] = ()
    actions: tuple[PlannedAction, ...] = field(default_factory=tuple)


def facts_for(incident: Incident, catalog: Catalog) -> Facts:
    services = frozenset(s.strip().lower() for s in incident.services or [] if s.strip())
    return Facts(
        severity=incident.severity,
        services=services,
        teams=teams_of(services, catalog),
        private=bool(incident.is_private),
        tags=frozenset(t.lower() for t in incident.tags or []),
        status=incident.status,
    )


def teams_of(services: frozenset[str], catalog: Catalog) -> frozenset[str]:
    """An incident belongs to the teams that own its catalog services."""
    found = (catalog.get(key) for key in services)
    return frozenset(s.team.lower() for s in found if s is not None and s.team)


def matches(conditions: Conditions, facts: Facts) -> bool:
    """Every condition given must hold; a list condition holds when any of its values does."""
    if conditions.severity is not None and facts.severity not in conditions.severity:
        return False
    if conditions.services and not conditions.services & facts.services:
        return False
    if conditions.teams and not conditions.teams & facts.teams:
        return False
    if conditions.private is not None and conditions.private != facts.private:
        return False
    if conditions.tags and not conditions.tags & facts.tags:
        return False
    return not (conditions.status and facts.status not in conditions.status)


def plan(rules: RulesConfig, event: str, facts: Facts) -> Plan:
    """The rules for ``event`` whose conditions hold, and their actions, rule by rule in order."""
    matched = tuple(r for r in rules.for_event(event) if matches(r.conditions, facts))
    actions = tuple(
        PlannedAction(rule.name, position, action.kind, action.value)
        for rule in matched
        for position, action in enumerate(rule.actions, start=1)
    )
    return Plan(event, matched, actions)


def fill(text: str, values: dict[str, Any]) -> str:
    """The YAML text with ``{number}``, ``{severity}``… filled in; nothing else is read."""
    return text.format_map({k: values.get(k, "") for k in PLACEHOLDERS})


def placeholder_values(incident: Incident) -> dict[str, Any]:
    return {
        "number": incident.number,
        "severity": incident.severity,
        "title": incident.title,
        "status": incident.status,
        "reference": f"INC-{incident.number}",
    }


def describe(action: PlannedAction | RuleAction) -> str:
    """One line saying what an action does, for the timeline and the rules test."""
    value = action.value
    if action.kind == "invite":
        return "invite " + ", ".join(value)
    if action.kind == "page":
        return f"page {value}"
    if action.kind == "post":
        what = f"text {value['text']!r}" if "text" in value else f"template {value['template']}"
        return f"post in #{value['channel']}: {what}"
    if action.kind == "set_cadence" and isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"set the update cadence to {minutes}m" if minutes else "set the update cadence"
    if action.kind == "require_postmortem":
        return "require a postmortem"
    if action.kind == "create_tracker_issue":
        return "create a tracker issue"
    if action.kind == "statuspage":
        return "update the status page"
    return action.kind
