"""The incident lifecycle: status names, who may change what, and update reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config.roles import INCIDENT_COMMANDER, Roles
from config.values import ConfigError, parse_duration, require_list, require_mapping

ANYONE = "anyone"
DEFAULT_ACTIVE = ("investigating", "identified", "monitoring")

# Actions whose permission is configurable, and who may take them by default.
# ``take_over``: giving a role with powers (the IC, or any role named below)
# to someone else while another person holds it. Without it, ``assign_roles:
# anyone`` would let anyone run `role ic me` and then resolve; others ask, and
# the holder's side accepts with a button. Anyone may still take an empty role.
DEFAULT_PERMISSIONS: dict[str, Any] = {
    "severity": [INCIDENT_COMMANDER, "deputy"],
    "resolve": [INCIDENT_COMMANDER, "deputy"],
    "close": [INCIDENT_COMMANDER, "deputy"],
    "reopen": [INCIDENT_COMMANDER, "deputy"],
    "take_over": [INCIDENT_COMMANDER, "deputy"],
    "postmortem_done": [INCIDENT_COMMANDER, "deputy"],
    "tag": [INCIDENT_COMMANDER, "deputy"],
    "status": ANYONE,
    "assign_roles": ANYONE,
    "update": ANYONE,
    "impact": ANYONE,
    "milestones": ANYONE,
    # Changing an action item (done, reassign, due, drop, snooze); its owner always may.
    "action_items": [INCIDENT_COMMANDER, "deputy"],
}


@dataclass(frozen=True)
class Statuses:
    """Status names in order; an incident moves through ``active``, then resolved, then closed."""

    active: tuple[str, ...]
    resolved: str
    closed: str

    @property
    def initial(self) -> str:
        return self.active[0]

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.active, self.resolved, self.closed)

    @property
    def not_open(self) -> frozenset[str]:
        return frozenset({self.resolved, self.closed})

    def get(self, text: str) -> str | None:
        wanted = text.strip().lower()
        return next((s for s in self.all if s.lower() == wanted), None)

    def is_open(self, status: str) -> bool:
        return status not in self.not_open


@dataclass(frozen=True)
class Permissions:
    """action -> role keys allowed, or None for anyone."""

    allowed: dict[str, frozenset[str] | None]

    def roles_for(self, action: str) -> frozenset[str] | None:
        return self.allowed.get(action)

    @property
    def powerful_roles(self) -> frozenset[str]:
        """Roles some action is limited to, and the IC: taking one is taking command."""
        named = {key for keys in self.allowed.values() if keys for key in keys}
        return frozenset(named | {INCIDENT_COMMANDER})


@dataclass(frozen=True)
class CadenceConfig:
    grace: timedelta  # after a reminder, how long before escalating to IC and Deputy
    ic_fatigue: timedelta | None  # suggest a handoff after this long with one IC
    sweep_interval: timedelta  # how often the safety sweep looks for missed reminders
    claim_timeout: timedelta  # a send cut short by a crash is retried after this


@dataclass(frozen=True)
class LifecycleConfig:
    statuses: Statuses
    permissions: Permissions
    cadence: CadenceConfig


def _status_name(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, f"expected a status name, got {value!r}")
    name = value.strip().lower()
    if len(name) > 32:
        raise ConfigError(key, "status names are at most 32 characters")
    return name


def parse_statuses(raw: Any) -> Statuses:
    section = require_mapping(raw, "statuses")
    unknown = sorted(set(section) - {"active", "resolved", "closed"})
    if unknown:
        raise ConfigError(f"statuses.{unknown[0]}", "use active, resolved and closed")
    active_raw = section.get("active")
    active = (
        tuple(
            _status_name(v, f"statuses.active[{i}]")
            for i, v in enumerate(require_list(active_raw, "statuses.active"))
        )
        if active_raw is not None
        else DEFAULT_ACTIVE
    )
    if not active:
        raise ConfigError("statuses.active", "at least one active status is required")
    statuses = Statuses(
        active=active,
        resolved=_status_name(section.get("resolved", "resolved"), "statuses.resolved"),
        closed=_status_name(section.get("closed", "closed"), "statuses.closed"),
    )
    if len(set(statuses.all)) != len(statuses.all):
        raise ConfigError("statuses", "every status needs a different name")
    return statuses


def parse_permissions(raw: Any, roles: Roles) -> Permissions:
    section = require_mapping(raw, "permissions")
    unknown = sorted(set(section) - set(DEFAULT_PERMISSIONS))
    if unknown:
        known = ", ".join(DEFAULT_PERMISSIONS)
        raise ConfigError(f"permissions.{unknown[0]}", f"is not an action (actions: {known})")
    allowed: dict[str, frozenset[str] | None] = {}
    for action, default in DEFAULT_PERMISSIONS.items():
        value = section.get(action, default)
        key = f"permissions.{action}"
        if value == ANYONE:
            allowed[action] = None
            continue
        names = require_list(value, key) if not isinstance(value, str) else [value]
        keys = set()
        for name in names:
            role = roles.get(str(name))
            if role is None:
                raise ConfigError(
                    key, f"{name!r} is not a role (roles: {', '.join(roles.keys)}) or 'anyone'"
                )
            keys.add(role.key)
        if not keys:
            raise ConfigError(key, "name at least one role, or 'anyone'")
        allowed[action] = frozenset(keys)
    return Permissions(allowed)


def _fatigue(value: Any) -> timedelta | None:
    """``ic_fatigue_hours`` is a number of hours (4, 0.5), or a duration such as ``90m``."""
    key = "cadence.ic_fatigue_hours"
    if isinstance(value, bool):
        raise ConfigError(key, f"expected a number of hours, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ConfigError(key, "must not be negative")
        return timedelta(hours=value) if value else None
    return parse_duration(value, key, allow_none=True)


def parse_cadence(raw: Any) -> CadenceConfig:
    section = require_mapping(raw, "cadence")
    known = {"grace", "ic_fatigue_hours", "sweep_interval", "claim_timeout"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(
            f"cadence.{unknown[0]}", f"is not a setting (settings: {', '.join(sorted(known))})"
        )
    grace = parse_duration(section.get("grace", "5m"), "cadence.grace")
    sweep = parse_duration(section.get("sweep_interval", "30s"), "cadence.sweep_interval")
    claim = parse_duration(section.get("claim_timeout", "2m"), "cadence.claim_timeout")
    assert grace is not None and sweep is not None and claim is not None
    return CadenceConfig(
        grace=grace,
        ic_fatigue=_fatigue(section.get("ic_fatigue_hours", 4)),
        sweep_interval=sweep,
        claim_timeout=claim,
    )


def parse_lifecycle(raw: dict[str, Any], roles: Roles) -> LifecycleConfig:
    return LifecycleConfig(
        statuses=parse_statuses(raw.get("statuses")),
        permissions=parse_permissions(raw.get("permissions"), roles),
        cadence=parse_cadence(raw.get("cadence")),
    )
