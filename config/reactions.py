"""Which emoji reactions curate the timeline, and what each one means.

A reaction on a message in an incident channel marks it: ``key_event`` makes
it a key event, the other categories label it for the postmortem and for
analytics. The YAML map replaces the defaults as a whole, so an emoji left out
of it means nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from config.values import ConfigError, require_mapping

KEY_EVENT = "key_event"
# The names stored in TimelineEvent.categories; analytics and postmortems count them.
CATEGORIES = ("insight", "customer_impact", "mitigation", "finding", "action_item")
MEANINGS = (KEY_EVENT, *CATEGORIES)

DEFAULT_REACTIONS: dict[str, str] = {
    "pushpin": KEY_EVENT,
    "bulb": "insight",
    "warning": "customer_impact",
    "white_check_mark": "mitigation",
    "mag": "finding",
    "dart": "action_item",
}


def emoji_name(raw: str) -> str:
    """``:+1::skin-tone-3:`` and ``+1::skin-tone-3`` both mean ``+1``."""
    return raw.strip().strip(":").split("::", 1)[0].lower()


@dataclass(frozen=True)
class ReactionMap:
    by_emoji: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def meaning(self, emoji: str) -> str | None:
        return self.by_emoji.get(emoji_name(emoji))

    def emoji_for(self, meaning: str) -> list[str]:
        return [emoji for emoji, m in self.by_emoji.items() if m == meaning]


def parse_reactions(raw: Any) -> ReactionMap:
    if raw is None:
        return ReactionMap(MappingProxyType(dict(DEFAULT_REACTIONS)))
    section = require_mapping(raw, "reactions")
    chosen: dict[str, str] = {}
    for key, value in section.items():
        name = emoji_name(str(key))
        where = f"reactions.{key}"
        if not name or " " in name:
            raise ConfigError(where, "is not an emoji name; write it without colons, e.g. pushpin")
        if not isinstance(value, str) or value.strip() not in MEANINGS:
            raise ConfigError(where, f"must be one of {', '.join(MEANINGS)}, got {value!r}")
        chosen[name] = value.strip()
    return ReactionMap(MappingProxyType(chosen))
