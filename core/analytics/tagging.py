"""Root-cause category and tags: what ``/incident tag`` changes and stats count."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.events import record_system_event
from storage.models import Incident

MAX_TAGS = 20
_TAG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,49}$")
_CAUSE = re.compile(r"^(?:cause|root-cause|root_cause|category)[:=](.*)$", re.IGNORECASE)
_REFERENCE = re.compile(r"^inc-(\d{1,9})$", re.IGNORECASE)
CLEAR = {"none", "clear", "-", ""}


@dataclass
class TagChange:
    number: int | None = None  # INC-42 named in the command, else the channel's incident
    category: str | None = None  # None leaves it; "" clears it
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.category is None and not self.add and not self.remove


def normalize(raw: str) -> str:
    return raw.strip().lstrip("#").lower().replace(" ", "-")


def _valid(tag: str, raw: str) -> str:
    if not _TAG.match(tag):
        raise InvalidInput(
            f"`{raw}` is not a tag. Tags are lowercase letters, digits, `-`, `.` or `_`, "
            "up to 50 characters, e.g. `connection-pool`."
        )
    return tag


def parse(args: str, categories: tuple[str, ...]) -> TagChange:
    """Read ``[INC-42] [cause:capacity] [tag ...] [-tag ...]``."""
    change = TagChange()
    for index, raw in enumerate(args.split()):
        reference = _REFERENCE.match(raw)
        if index == 0 and reference:
            change.number = int(reference.group(1))
            continue
        cause = _CAUSE.match(raw)
        if cause:
            value = normalize(cause.group(1))
            if value in CLEAR:
                change.category = ""
                continue
            if categories and value not in categories:
                raise InvalidInput(
                    f"`{value}` is not a root-cause category. Use one of "
                    + ", ".join(f"`{c}`" for c in categories)
                    + ", or `cause:none` to clear it."
                )
            change.category = _valid(value, raw)
        elif raw.startswith("-") and len(raw) > 1:
            change.remove.append(_valid(normalize(raw[1:]), raw))
        else:
            change.add.append(_valid(normalize(raw.lstrip("+")), raw))
    return change


def apply(session: Session, incident: Incident, change: TagChange, actor: str) -> bool:
    """Store the change and note it in the timeline; False when nothing changed."""
    tags = [t for t in incident.tags or [] if t not in change.remove]
    tags += [t for t in dict.fromkeys(change.add) if t not in tags]
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"An incident can have at most {MAX_TAGS} tags; remove some first.")
    category = incident.root_cause_category if change.category is None else change.category
    if tags == list(incident.tags or []) and category == incident.root_cause_category:
        return False
    incident.tags = tags
    incident.root_cause_category = category
    words = [f"root cause `{category}`" if category else "no root cause category"]
    if tags:
        words.append("tags " + ", ".join(f"`{t}`" for t in tags))
    record_system_event(
        session,
        incident,
        "tagged",
        f"<@{actor}> set " + "; ".join(words),
        actor,
        root_cause_category=category,
        tags=tags,
    )
    return True
