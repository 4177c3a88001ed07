"""The service catalog: what each service is, who owns it, and where its help lives.

Incidents name services by key; the catalog turns a key into owners to invite,
runbooks to link and the paging and tracker details later integrations read.
Secrets stay in the environment: a service names the variable that holds its
PagerDuty routing key, never the key itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from config.values import (
    ConfigError,
    optional_str,
    require_int,
    require_list,
    require_mapping,
    require_str,
)

SERVICE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A user group handle (@payments-leads) or a Slack user id (U0123ABC, W0123ABC).
_HANDLE = re.compile(r"^@[a-z0-9][a-z0-9._-]*$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KNOWN_KEYS = {
    "key",
    "name",
    "team",
    "tier",
    "owners",
    "channel",
    "pagerduty",
    "runbooks",
    "tracker",
    "statuspage_component",
}
KNOWN_PAGERDUTY_KEYS = {"service_id", "escalation_policy_id", "routing_key_env"}
DEFAULT_PAGE_SEVERITIES = ("SEV1", "SEV2")


@dataclass(frozen=True)
class Runbook:
    title: str
    url: str


@dataclass(frozen=True)
class ServicePagerDuty:
    service_id: str = ""
    escalation_policy_id: str = ""
    routing_key_env: str = ""


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    team: str = ""
    tier: int | None = None
    owners: tuple[str, ...] = ()
    channel: str = ""
    pagerduty: ServicePagerDuty | None = None
    runbooks: tuple[Runbook, ...] = ()
    tracker: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    statuspage_component: str = ""

    @property
    def owner_users(self) -> tuple[str, ...]:
        return tuple(o for o in self.owners if not o.startswith("@"))

    @property
    def owner_groups(self) -> tuple[str, ...]:
        """Handles without the ``@``, as ``usergroups.list`` spells them."""
        return tuple(o[1:] for o in self.owners if o.startswith("@"))


@dataclass(frozen=True)
class Catalog:
    services: tuple[Service, ...] = ()

    def get(self, key: str) -> Service | None:
        wanted = key.strip().lower()
        for service in self.services:
            if service.key == wanted:
                return service
        return None

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.services]

    def __bool__(self) -> bool:
        return bool(self.services)


@dataclass(frozen=True)
class PagerDutyConfig:
    page_severities: tuple[str, ...] = DEFAULT_PAGE_SEVERITIES


def parse_owner(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            key, f"expected a user group handle like @team or a user id, got {value!r}"
        )
    owner = value.strip()
    if _HANDLE.match(owner.lower()):
        return owner.lower()
    if _USER_ID.match(owner):
        return owner
    raise ConfigError(
        key, f"{owner!r} is neither a user group handle (@payments-leads) nor a Slack user id"
    )


def _parse_pagerduty(raw: Any, key: str) -> ServicePagerDuty | None:
    if raw is None:
        return None
    section = require_mapping(raw, key)
    unknown = sorted(set(section) - KNOWN_PAGERDUTY_KEYS)
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}", "is not a known setting")
    env_name = optional_str(section, "routing_key_env", f"{key}.routing_key_env").strip()
    if env_name and not _ENV_NAME.match(env_name):
        raise ConfigError(
            f"{key}.routing_key_env", f"{env_name!r} is not an environment variable name"
        )
    return ServicePagerDuty(
        service_id=optional_str(section, "service_id", f"{key}.service_id").strip(),
        escalation_policy_id=optional_str(
            section, "escalation_policy_id", f"{key}.escalation_policy_id"
        ).strip(),
        routing_key_env=env_name,
    )


def _parse_runbooks(raw: Any, key: str) -> tuple[Runbook, ...]:
    books: list[Runbook] = []
    for index, entry in enumerate(require_list(raw, key)):
        where = f"{key}[{index}]"
        entry = require_mapping(entry, where)
        url = require_str(entry, "url", f"{where}.url")
        if not url.startswith(("https://", "http://")):
            raise ConfigError(f"{where}.url", f"expected an http(s) link, got {url!r}")
        books.append(Runbook(title=require_str(entry, "title", f"{where}.title"), url=url))
    return tuple(books)


def _parse_service(entry: Any, where: str) -> Service:
    entry = require_mapping(entry, where)
    unknown = sorted(set(entry) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", "is not a known setting")
    service_key = require_str(entry, "key", f"{where}.key")
    if not SERVICE_KEY.match(service_key):
        raise ConfigError(
            f"{where}.key", f"{service_key!r} must be lowercase letters, digits, - and _"
        )
    tier = None
    if entry.get("tier") is not None:
        tier = require_int(entry, "tier", f"{where}.tier", 0, minimum=0)
    owners = tuple(
        parse_owner(o, f"{where}.owners[{i}]")
        for i, o in enumerate(require_list(entry.get("owners"), f"{where}.owners"))
    )
    channel = optional_str(entry, "channel", f"{where}.channel").strip().lstrip("#")
    tracker = require_mapping(entry.get("tracker"), f"{where}.tracker")
    if tracker and not isinstance(tracker.get("kind"), str):
        raise ConfigError(f"{where}.tracker.kind", "is required, e.g. jira or github")
    component = entry.get("statuspage_component")
    if component is not None and not isinstance(component, str | int):
        raise ConfigError(f"{where}.statuspage_component", f"expected text, got {component!r}")
    return Service(
        key=service_key,
        name=optional_str(entry, "name", f"{where}.name").strip() or service_key,
        team=optional_str(entry, "team", f"{where}.team").strip(),
        tier=tier,
        owners=owners,
        channel=channel,
        pagerduty=_parse_pagerduty(entry.get("pagerduty"), f"{where}.pagerduty"),
        runbooks=_parse_runbooks(entry.get("runbooks"), f"{where}.runbooks"),
        tracker=MappingProxyType(dict(tracker)),
        statuspage_component="" if component is None else str(component),
    )


def parse_services(raw: Any) -> Catalog:
    services: list[Service] = []
    seen: set[str] = set()
    for index, entry in enumerate(require_list(raw, "services")):
        service = _parse_service(entry, f"services[{index}]")
        if service.key in seen:
            raise ConfigError(f"services[{index}].key", f"{service.key} is defined twice")
        seen.add(service.key)
        services.append(service)
    return Catalog(tuple(services))


def parse_pagerduty(raw: Any, severity_keys: list[str]) -> PagerDutyConfig:
    section = require_mapping(raw, "pagerduty")
    unknown = sorted(set(section) - {"page_severities"})
    if unknown:
        raise ConfigError(f"pagerduty.{unknown[0]}", "is not a known setting")
    if "page_severities" not in section:
        chosen = tuple(k for k in DEFAULT_PAGE_SEVERITIES if k in severity_keys)
        return PagerDutyConfig(chosen)
    keys: list[str] = []
    for index, value in enumerate(
        require_list(section["page_severities"], "pagerduty.page_severities")
    ):
        where = f"pagerduty.page_severities[{index}]"
        wanted = str(value).strip().upper().replace("-", "")
        if wanted not in severity_keys:
            raise ConfigError(where, f"{value!r} is not one of {', '.join(severity_keys)}")
        keys.append(wanted)
    return PagerDutyConfig(tuple(keys))
