"""Where incidents live in Slack: the per-incident channel name and the broadcast channel."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from config.values import ConfigError, require_bool, require_str

PATTERN_FIELDS = {"number", "slug", "date", "severity"}


@dataclass(frozen=True)
class ChannelConfig:
    name_pattern: str
    broadcast_channel: str
    private_by_default: bool


def parse_channels(raw: dict[str, Any]) -> ChannelConfig:
    pattern = require_str(
        raw, "channel_name_pattern", "channel_name_pattern", "inc-{number}-{slug}"
    )
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise ConfigError("channel_name_pattern", f"is not a valid pattern: {exc}") from exc
    unknown = fields - PATTERN_FIELDS
    if unknown:
        raise ConfigError(
            "channel_name_pattern",
            f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{number}}, {{slug}}, {{date}} "
            "or {severity}",
        )
    if "number" not in fields:
        raise ConfigError("channel_name_pattern", "must contain {number} so every name is unique")
    broadcast = require_str(raw, "broadcast_channel", "broadcast_channel", "incidents").lstrip("#")
    return ChannelConfig(
        name_pattern=pattern,
        broadcast_channel=broadcast,
        private_by_default=require_bool(raw, "private_by_default", "private_by_default", False),
    )
