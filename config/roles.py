"""Incident roles: who does what during an incident, and what each is told on taking it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from config.values import ConfigError, optional_str, require_list, require_mapping, require_str

# The key of the one role every incident has; stored in role_assignments.role.
INCIDENT_COMMANDER = "incident_commander"

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Role:
    key: str  # "comms_lead", stored in role_assignments.role
    name: str  # "Communications Lead"
    aliases: tuple[str, ...]  # what people type: "comms"
    description: str
    instructions: str  # sent by DM to whoever takes the role


# Roles follow the Incident Command System as Google's SRE book describes it.
DEFAULT_ROLES: dict[str, dict[str, Any]] = {
    INCIDENT_COMMANDER: {
        "name": "Incident Commander",
        "aliases": ["ic", "commander", "lead"],
        "description": "Owns the incident end to end: coordinates, decides, delegates.",
        "instructions": (
            "You are the Incident Commander. Coordinate, do not fix: give people clear tasks, "
            "decide when the team is stuck, and keep the severity and status current "
            "(`/incident sev`, `/incident status`). Make sure an update goes out on time "
            "(`/incident update`), and hand over with `/incident role ic @someone` when you "
            "need a break."
        ),
    },
    "deputy": {
        "name": "Deputy",
        "aliases": ["deputy", "backup"],
        "description": "Backs up the IC and takes over if the IC steps away.",
        "instructions": (
            "You are the Deputy. Keep track of open threads and who is working on what, "
            "remind the IC of what is pending, and be ready to take command with "
            "`/incident role ic me`."
        ),
    },
    "scribe": {
        "name": "Scribe",
        "aliases": ["scribe", "notes"],
        "description": "Keeps the timeline: decisions, findings and actions as they happen.",
        "instructions": (
            "You are the Scribe. Capture what happens as it happens: react with :pushpin: to "
            "mark key messages, and note decisions and findings made outside the channel."
        ),
    },
    "comms_lead": {
        "name": "Communications Lead",
        "aliases": ["comms", "communications", "comms-lead"],
        "description": "Keeps stakeholders and customers informed; shields responders.",
        "instructions": (
            "You are the Communications Lead. Post status updates on the cadence the severity "
            "asks for (`/incident update`): what is happening, the impact, what we are doing, "
            "and when the next update comes. Field questions so responders can focus."
        ),
    },
    "ops_lead": {
        "name": "Ops Lead",
        "aliases": ["ops", "tech", "tech-lead", "operations"],
        "description": "Leads the technical investigation and the fix.",
        "instructions": (
            "You are the Ops Lead. Lead the investigation and the fix, keep the IC told of "
            "progress and risks, and say before you change production."
        ),
    },
}


@dataclass(frozen=True)
class Roles:
    roles: tuple[Role, ...]

    def get(self, text: str) -> Role | None:
        """Find a role by key, name or alias, in any case: ``ic``, ``comms_lead``, ``Deputy``."""
        wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
        for role in self.roles:
            names = {role.key, role.name.lower().replace(" ", "_")}
            names |= {a.lower().replace("-", "_") for a in role.aliases}
            if wanted in names:
                return role
        return None

    def __getitem__(self, key: str) -> Role:
        role = self.get(key)
        if role is None:
            raise KeyError(key)
        return role

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self.roles]

    def name_of(self, key: str) -> str:
        found = self.get(key)
        return found.name if found else key.replace("_", " ").title()


def parse_roles(raw: Any) -> Roles:
    """Configured entries override the defaults field by field; new keys add roles."""
    section = require_mapping(raw, "roles")
    merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in DEFAULT_ROLES.items()}
    for key, entry in section.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ConfigError(
                f"roles.{key}", "role keys are lowercase letters, digits and _, like comms_lead"
            )
        if entry is None and key != INCIDENT_COMMANDER:
            merged.pop(key, None)  # `scribe: null` removes a role
            continue
        entry = require_mapping(entry, f"roles.{key}")
        merged.setdefault(key, {}).update(entry)
    roles: list[Role] = []
    seen: dict[str, str] = {}
    for key, entry in merged.items():
        where = f"roles.{key}"
        aliases = tuple(
            str(a).strip().lower() for a in require_list(entry.get("aliases"), f"{where}.aliases")
        )
        role = Role(
            key=key,
            name=require_str(entry, "name", f"{where}.name"),
            aliases=aliases,
            description=optional_str(entry, "description", f"{where}.description"),
            instructions=optional_str(entry, "instructions", f"{where}.instructions"),
        )
        for name in {key, *aliases}:
            name = name.replace("-", "_")
            if name in seen and seen[name] != key:
                raise ConfigError(f"{where}.aliases", f"{name!r} already names role {seen[name]}")
            seen[name] = key
        roles.append(role)
    return Roles(tuple(roles))
