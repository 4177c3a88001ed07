"""Alert routing: which service, severity and action an incoming alert gets.

Routes are tried in order and the first match wins; an alert no route
matches is triaged in ``default_channel``. Regexes are compiled here, so a
bad pattern stops start-up instead of failing on the first alert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from config.services import Catalog
from config.severities import Severities
from config.values import ConfigError, optional_str, require_list, require_mapping

TRIAGE, DECLARE = "triage", "declare"
ACTIONS = (TRIAGE, DECLARE)
KNOWN_KEYS = {"default_channel", "routes"}
KNOWN_ROUTE_KEYS = {"match", "match_re", "service", "severity", "action"}
DEFAULT_CHANNEL = "alerts-triage"


@dataclass(frozen=True)
class AlertRoute:
    match: MappingProxyType[str, str]
    match_re: MappingProxyType[str, re.Pattern[str]]
    service: str = ""
    severity: str = ""
    action: str = TRIAGE

    def matches(self, labels: dict[str, str]) -> bool:
        """Label equality and full-match regexes; a missing label never matches."""
        for name, value in self.match.items():
            if labels.get(name) != value:
                return False
        for name, pattern in self.match_re.items():
            if name not in labels or pattern.fullmatch(str(labels[name])) is None:
                return False
        return True


@dataclass(frozen=True)
class AlertsConfig:
    default_channel: str = DEFAULT_CHANNEL
    routes: tuple[AlertRoute, ...] = ()

    def route_for(self, labels: dict[str, str]) -> AlertRoute | None:
        return next((r for r in self.routes if r.matches(labels)), None)


def _labels(raw: Any, key: str) -> dict[str, str]:
    section = require_mapping(raw, key)
    out: dict[str, str] = {}
    for name, value in section.items():
        if isinstance(value, dict | list) or value is None:
            raise ConfigError(f"{key}.{name}", f"expected a label value, got {value!r}")
        out[str(name)] = str(value)
    return out


def _parse_route(raw: Any, where: str, catalog: Catalog, severities: Severities) -> AlertRoute:
    entry = require_mapping(raw, where)
    unknown = sorted(set(entry) - KNOWN_ROUTE_KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", "is not a known setting")
    patterns: dict[str, re.Pattern[str]] = {}
    for name, text in _labels(entry.get("match_re"), f"{where}.match_re").items():
        try:
            patterns[name] = re.compile(text)
        except re.error as exc:
            raise ConfigError(
                f"{where}.match_re.{name}", f"{text!r} is not a valid regex: {exc}"
            ) from exc
    service = optional_str(entry, "service", f"{where}.service").strip()
    if service and catalog.get(service) is None:
        known = ", ".join(catalog.keys) or "none are defined"
        raise ConfigError(
            f"{where}.service", f"{service!r} is not a service in the catalog ({known})"
        )
    severity = optional_str(entry, "severity", f"{where}.severity").strip()
    if severity:
        level = severities.get(severity)
        if level is None:
            raise ConfigError(
                f"{where}.severity", f"{severity!r} is not one of {', '.join(severities.keys)}"
            )
        severity = level.key
    action = optional_str(entry, "action", f"{where}.action", TRIAGE).strip() or TRIAGE
    if action not in ACTIONS:
        raise ConfigError(f"{where}.action", f"must be one of {', '.join(ACTIONS)}, got {action!r}")
    return AlertRoute(
        match=MappingProxyType(_labels(entry.get("match"), f"{where}.match")),
        match_re=MappingProxyType(patterns),
        service=service.lower(),
        severity=severity,
        action=action,
    )


def parse_alerts(raw: Any, catalog: Catalog, severities: Severities) -> AlertsConfig:
    section = require_mapping(raw, "alerts")
    unknown = sorted(set(section) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"alerts.{unknown[0]}", "is not a known setting")
    channel = optional_str(section, "default_channel", "alerts.default_channel", DEFAULT_CHANNEL)
    channel = channel.strip().lstrip("#")
    if not channel:
        raise ConfigError("alerts.default_channel", "expected a channel name")
    routes = tuple(
        _parse_route(r, f"alerts.routes[{i}]", catalog, severities)
        for i, r in enumerate(require_list(section.get("routes"), "alerts.routes"))
    )
    return AlertsConfig(default_channel=channel, routes=routes)
