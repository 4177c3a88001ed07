"""Who may see, and who may change, what an incident owns when it is named by id.

An id can be typed anywhere: ``/incident action done 12`` works from any
channel because action items outlive their incident. So a lookup by id must
ask the same question search asks, "may this person see the incident?", and a
private incident's things are seen only by its members. A thing the asker may
not see fails exactly as a missing id does, so trying ids reveals nothing.

The visibility verdict comes from the caller (``Visible``): who is in a
channel is Slack's to say, and the domain does not talk to Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from config.lifecycle import Permissions
from config.roles import Roles
from core import roles
from core.errors import NotFound, PermissionDenied
from storage.models import ActionItem, Incident

Visible = Callable[[Incident], bool]

# The permissions key for changing an action item; its owner may always change it.
CHANGE_ACTION_ITEMS = "action_items"


class IncidentOwned(Protocol):
    incident_id: int


Owned = TypeVar("Owned", bound=IncidentOwned)


def missing_item(item_id: int) -> NotFound:
    """The one answer for an item that is absent, elsewhere, or not the asker's to see."""
    return NotFound(
        f"There is no action item AI-{item_id}. `/incident action list mine` shows yours."
    )


def incident_of(
    session: Session, model: type[IncidentOwned], object_id: int, team_id: str
) -> Incident | None:
    """The incident that owns ``object_id`` in this workspace, if there is one.

    Callers use it to settle visibility before opening the transaction that
    changes the object, so no transaction waits while Slack is asked.
    """
    found = session.get(model, object_id)
    if found is None:
        return None
    incident = session.get(Incident, found.incident_id)
    if incident is None or incident.team_id != team_id:
        return None
    return incident


def owned(
    session: Session,
    model: type[Owned],
    object_id: int,
    team_id: str,
    visible: Visible,
    missing: NotFound,
) -> tuple[Owned, Incident]:
    """An incident-owned row by id, with its incident, or ``missing`` when it is not to be seen."""
    found = session.get(model, object_id)
    incident = session.get(Incident, found.incident_id) if found is not None else None
    if found is None or incident is None or incident.team_id != team_id or not visible(incident):
        raise missing
    return found, incident


def item(session: Session, item_id: int, team_id: str, visible: Visible) -> ActionItem:
    """An action item the asker may see."""
    found, _ = owned(session, ActionItem, item_id, team_id, visible, missing_item(item_id))
    return found


def changeable_item(
    session: Session,
    item_id: int,
    team_id: str,
    visible: Visible,
    user_id: str,
    permissions: Permissions,
    role_config: Roles,
) -> ActionItem:
    """An action item the asker may see and change; see ``require_change``."""
    found, incident = owned(session, ActionItem, item_id, team_id, visible, missing_item(item_id))
    require_change(session, found, incident, user_id, permissions, role_config)
    return found


def require_change(
    session: Session,
    found: ActionItem,
    incident: Incident,
    user_id: str,
    permissions: Permissions,
    role_config: Roles,
) -> None:
    """The owner may change an item; otherwise the roles ``permissions.action_items`` names."""
    if found.owner_id == user_id:
        return
    allowed = permissions.roles_for(CHANGE_ACTION_ITEMS)
    if allowed is None:
        return
    holders = roles.current_holders(session, incident)
    if any(holders.get(role) == user_id for role in allowed):
        return
    parts = ["its owner"] + [
        f"the {role_config.name_of(k)}" for k in role_config.keys if k in allowed
    ]
    who = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
    owner = f" (owner: <@{found.owner_id}>)" if found.owner_id else ""
    raise PermissionDenied(
        f"Only {who} of {incident.reference} can change AI-{found.id}{owner}. "
        "Ask one of them, or ask for the item to be handed to you."
    )
