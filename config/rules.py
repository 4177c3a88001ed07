"""Rules: when an incident event happens and its conditions hold, take these actions in order.

Everything a rule says is checked at start-up against the severities, the
statuses and the service catalog, so a typo names the rule and the key
instead of silently never matching. Comparisons such as ``>= SEV2`` are
turned into the set of levels they allow here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config.lifecycle import Statuses
from config.services import Catalog, parse_owner
from config.severities import Severities
from config.values import (
    ConfigError,
    parse_duration,
    require_list,
    require_mapping,
    require_str,
)

EVENTS = (
    "declared",
    "severity_changed",
    "status_changed",
    "resolved",
    "closed",
    "reopened",
    "alert_received",
    "action_item_overdue",
)
CONDITIONS = ("severity", "services", "teams", "private", "tags", "status")
ACTIONS = (
    "invite",
    "page",
    "post",
    "set_cadence",
    "require_postmortem",
    "create_tracker_issue",
    "statuspage",
)
KNOWN_RULE_KEYS = {"name", "when", "if", "then"}
_COMPARISON = re.compile(r"^\s*(>=|<=|>|<|==|=)\s*(\S+)\s*$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class Conditions:
    """Empty fields match anything; ``severity`` holds the keys the YAML allows."""

    severity: frozenset[str] | None = None
    severity_text: str = ""
    services: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    private: bool | None = None
    tags: frozenset[str] = frozenset()
    status: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleAction:
    kind: str
    value: Any


@dataclass(frozen=True)
class Rule:
    name: str
    when: str
    conditions: Conditions
    actions: tuple[RuleAction, ...]


@dataclass(frozen=True)
class RulesConfig:
    rules: tuple[Rule, ...] = ()

    def for_event(self, event: str) -> list[Rule]:
        return [r for r in self.rules if r.when == event]


def _words(raw: Any, key: str) -> list[str]:
    values = [raw] if isinstance(raw, str) else require_list(raw, key)
    out = []
    for index, value in enumerate(values):
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            raise ConfigError(f"{key}[{index}]", f"expected text, got {value!r}")
        out.append(str(value).strip())
    return out


def _severity(raw: Any, key: str, severities: Severities) -> tuple[frozenset[str], str]:
    """``">= SEV2"`` means SEV2 or worse; a list names levels one by one."""
    if isinstance(raw, str) and (match := _COMPARISON.match(raw)):
        op, name = match.groups()
        level = severities.get(name)
        if level is None:
            raise ConfigError(key, f"{name!r} is not one of {', '.join(severities.keys)}")
        # Level 1 is the most severe, so "greater" means a smaller level number.
        tests = {
            ">=": lambda n: n <= level.level,
            ">": lambda n: n < level.level,
            "<=": lambda n: n >= level.level,
            "<": lambda n: n > level.level,
            "==": lambda n: n == level.level,
            "=": lambda n: n == level.level,
        }
        keys = frozenset(s.key for s in severities.levels if tests[op](s.level))
        return keys, f"{op} {level.key}"
    keys = set()
    for index, value in enumerate(_words(raw, key)):
        level = severities.get(value)
        if level is None:
            raise ConfigError(
                f"{key}[{index}]" if not isinstance(raw, str) else key,
                f"{value!r} is not one of {', '.join(severities.keys)}"
                " (or a comparison like >= SEV2)",
            )
        keys.add(level.key)
    return frozenset(keys), ", ".join(sorted(keys))


def _conditions(
    raw: Any, key: str, severities: Severities, statuses: Statuses, catalog: Catalog
) -> Conditions:
    section = require_mapping(raw, key)
    unknown = sorted(set(section) - set(CONDITIONS))
    if unknown:
        raise ConfigError(
            f"{key}.{unknown[0]}", f"is not a condition (conditions: {', '.join(CONDITIONS)})"
        )
    severity, severity_text = None, ""
    if section.get("severity") is not None:
        severity, severity_text = _severity(section["severity"], f"{key}.severity", severities)
    services = [s.lower() for s in _words(section.get("services") or [], f"{key}.services")]
    for index, service in enumerate(services):
        if catalog.get(service) is None:
            known = ", ".join(catalog.keys) or "none are defined"
            raise ConfigError(
                f"{key}.services[{index}]", f"{service!r} is not a service in the catalog ({known})"
            )
    status = []
    for index, value in enumerate(_words(section.get("status") or [], f"{key}.status")):
        found = statuses.get(value)
        if found is None:
            raise ConfigError(
                f"{key}.status[{index}]", f"{value!r} is not one of {', '.join(statuses.all)}"
            )
        status.append(found)
    private = section.get("private")
    if private is not None and not isinstance(private, bool):
        raise ConfigError(f"{key}.private", f"expected true or false, got {private!r}")
    return Conditions(
        severity=severity,
        severity_text=severity_text,
        services=frozenset(services),
        teams=frozenset(t.lower() for t in _words(section.get("teams") or [], f"{key}.teams")),
        private=private,
        tags=frozenset(
            t.lower().lstrip("#") for t in _words(section.get("tags") or [], f"{key}.tags")
        ),
        status=frozenset(status),
    )


def _action(raw: Any, key: str, catalog: Catalog) -> RuleAction:
    entry = require_mapping(raw, key)
    if len(entry) != 1:
        raise ConfigError(
            key, f"each action is one of {', '.join(ACTIONS)}, written as `- invite: [...]`"
        )
    kind, value = next(iter(entry.items()))
    where = f"{key}.{kind}"
    if kind not in ACTIONS:
        raise ConfigError(where, f"is not an action (actions: {', '.join(ACTIONS)})")
    if kind == "invite":
        people = _words(value, where)
        if not people:
            raise ConfigError(where, "name at least one user id or @user-group")
        return RuleAction(
            kind, tuple(parse_owner(p, f"{where}[{i}]") for i, p in enumerate(people))
        )
    if kind == "page":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(where, f"expected a service key or a user, got {value!r}")
        target = value.strip()
        if (
            catalog.get(target) is None
            and not _USER_ID.match(target)
            and not target.startswith("@")
        ):
            known = ", ".join(catalog.keys) or "none are defined"
            raise ConfigError(
                where, f"{target!r} is neither a service in the catalog ({known}) nor a user"
            )
        return RuleAction(kind, target.lower() if catalog.get(target) else target)
    if kind == "post":
        post = require_mapping(value, where)
        unknown = sorted(set(post) - {"channel", "text", "template"})
        if unknown:
            raise ConfigError(
                f"{where}.{unknown[0]}", "is not a known setting (channel, text, template)"
            )
        channel = require_str(post, "channel", f"{where}.channel").lstrip("#")
        has_text, has_template = post.get("text") is not None, post.get("template") is not None
        if has_text == has_template:
            raise ConfigError(where, "give either text or template, not both and not neither")
        if has_text:
            text = require_str(post, "text", f"{where}.text")
            try:
                text.format(number=0, severity="", title="", status="", reference="")
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(
                    f"{where}.text",
                    f"unknown placeholder {exc}; "
                    "use {number}, {severity}, {title}, {status}, {reference}",
                ) from exc
            return RuleAction(kind, {"channel": channel, "text": text})
        return RuleAction(
            kind,
            {"channel": channel, "template": require_str(post, "template", f"{where}.template")},
        )
    if kind == "set_cadence":
        cadence: timedelta | None = parse_duration(value, where)
        return RuleAction(kind, cadence)
    if kind == "require_postmortem":
        if value is not None and not isinstance(value, bool):
            raise ConfigError(where, f"expected true, got {value!r}")
        return RuleAction(kind, value is not False)
    # create_tracker_issue, statuspage: their settings belong to the integrations that run them.
    if value is not None and not isinstance(value, bool | str | dict):
        raise ConfigError(where, f"expected true, text or a mapping, got {value!r}")
    return RuleAction(kind, value)


def _rule(
    raw: Any, index: int, severities: Severities, statuses: Statuses, catalog: Catalog
) -> Rule:
    entry = require_mapping(raw, f"rules[{index}]")
    name = require_str(entry, "name", f"rules[{index}].name")
    where = f"rules[{name}]"
    unknown = sorted(set(entry) - KNOWN_RULE_KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", "is not a known setting (name, when, if, then)")
    when = require_str(entry, "when", f"{where}.when")
    if when not in EVENTS:
        raise ConfigError(f"{where}.when", f"must be one of {', '.join(EVENTS)}, got {when!r}")
    then = require_list(entry.get("then"), f"{where}.then")
    if not then:
        raise ConfigError(f"{where}.then", "a rule needs at least one action")
    return Rule(
        name=name,
        when=when,
        conditions=_conditions(entry.get("if"), f"{where}.if", severities, statuses, catalog),
        actions=tuple(_action(a, f"{where}.then[{i}]", catalog) for i, a in enumerate(then)),
    )


def parse_rules(
    raw: Any, severities: Severities, statuses: Statuses, catalog: Catalog
) -> RulesConfig:
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, entry in enumerate(require_list(raw, "rules")):
        rule = _rule(entry, index, severities, statuses, catalog)
        if rule.name in seen:
            raise ConfigError(f"rules[{rule.name}].name", "two rules have this name")
        seen.add(rule.name)
        rules.append(rule)
    return RulesConfig(tuple(rules))
