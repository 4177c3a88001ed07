"""Configuration: environment variables for secrets, an optional YAML file for the rest.

Each YAML section has its own module and parser; ``load_settings`` validates all
of them up front so that bad configuration stops startup, naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config.action_items import ActionItemConfig, parse_action_items
from config.alerts import AlertsConfig, parse_alerts
from config.analytics import AnalyticsConfig, parse_analytics
from config.channels import ChannelConfig, parse_channels
from config.env import EnvSettings, MissingSetting
from config.lifecycle import LifecycleConfig, parse_lifecycle
from config.operations import OperationsSettings
from config.postmortem import PostmortemConfig, parse_postmortem
from config.reactions import ReactionMap, parse_reactions
from config.roles import Roles, parse_roles
from config.rules import RulesConfig, parse_rules
from config.scheduling import SchedulerConfig, parse_scheduler
from config.server import ServerConfig, parse_server
from config.services import Catalog, PagerDutyConfig, parse_pagerduty, parse_services
from config.severities import Severities, Severity, parse_severities
from config.values import ConfigError, require_mapping

__all__ = [
    "AppConfig",
    "ConfigError",
    "EnvSettings",
    "MissingSetting",
    "OperationsSettings",
    "Settings",
    "Severities",
    "Severity",
    "load_config",
    "load_settings",
]

KNOWN_TOP_LEVEL_KEYS = {
    "severities",
    "default_severity",
    "channel_name_pattern",
    "broadcast_channel",
    "private_by_default",
    "scheduler",
    "roles",
    "statuses",
    "permissions",
    "cadence",
    "postmortem",
    "action_items",
    "reactions",
    "analytics",
    "server",
    "services",
    "pagerduty",
    "alerts",
    "rules",
}


@dataclass(frozen=True)
class AppConfig:
    severities: Severities
    channels: ChannelConfig
    scheduler: SchedulerConfig
    roles: Roles
    lifecycle: LifecycleConfig
    postmortem: PostmortemConfig
    action_items: ActionItemConfig
    reactions: ReactionMap
    analytics: AnalyticsConfig
    server: ServerConfig
    catalog: Catalog = Catalog()
    pagerduty: PagerDutyConfig = PagerDutyConfig()
    alerts: AlertsConfig = AlertsConfig()
    rules: RulesConfig = RulesConfig()


@dataclass(frozen=True)
class Settings:
    env: EnvSettings
    config: AppConfig
    operations: OperationsSettings = field(default_factory=OperationsSettings)


def parse_config(raw: Any) -> AppConfig:
    raw = require_mapping(raw, "(top level)")
    unknown = sorted(set(raw) - KNOWN_TOP_LEVEL_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_TOP_LEVEL_KEYS))
        raise ConfigError(unknown[0], f"is not a known setting (known settings: {known})")
    severities = parse_severities(raw.get("severities"), raw.get("default_severity"))
    catalog = parse_services(raw.get("services"))
    return AppConfig(
        severities=severities,
        channels=parse_channels(raw),
        scheduler=parse_scheduler(raw.get("scheduler")),
        roles=(roles := parse_roles(raw.get("roles"))),
        lifecycle=(lifecycle := parse_lifecycle(raw, roles)),
        postmortem=parse_postmortem(raw.get("postmortem")),
        action_items=parse_action_items(raw.get("action_items")),
        reactions=parse_reactions(raw.get("reactions")),
        analytics=parse_analytics(raw.get("analytics")),
        server=parse_server(raw.get("server")),
        catalog=catalog,
        pagerduty=parse_pagerduty(raw.get("pagerduty"), severities.keys),
        alerts=parse_alerts(raw.get("alerts"), catalog, severities),
        rules=parse_rules(raw.get("rules"), severities, lifecycle.statuses, catalog),
    )


def load_config(path: str | Path | None) -> AppConfig:
    """Read and validate the YAML file; no path means all defaults."""
    if not path:
        return parse_config({})
    file = Path(path)
    if not file.is_file():
        raise ConfigError("SITREP_CONFIG", f"file {str(file)!r} does not exist")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError("SITREP_CONFIG", f"{file} is not valid YAML: {exc}") from exc
    return parse_config(raw)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = EnvSettings.from_environ(environ)
    return Settings(
        env=env,
        config=load_config(env.config_path),
        operations=OperationsSettings.from_environ(environ),
    )
