"""Action items named by id from Slack: who may see them, who may change them, who may own them.

Every way in (the command, the DM and App Home buttons, the reassign modal)
goes through here, so the rule of ``core.access`` is applied the same way
everywhere. Slack is asked who is in a private incident's channel before the
transaction that reads or changes the item begins, never while it is open.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows.visibility import Visibility
from core import access
from core.errors import InvalidInput
from storage.models import ActionItem, Incident


@dataclass(frozen=True)
class Target:
    """What a person named by id: the verdict on its incident, settled in advance."""

    item_id: int
    team_id: str
    user_id: str
    visible: Visibility
    incident: Incident | None  # None when there is no such item in this workspace

    def require_visible(self) -> Incident:
        """The item's incident, or the same "not found" a missing id gets."""
        if self.incident is None or not self.visible.can_see(self.incident):
            raise access.missing_item(self.item_id)
        return self.incident

    def changeable(self, services: Services, session: Session) -> ActionItem:
        """The item, read in ``session``, if this person may change it."""
        config = services.settings.config
        return access.changeable_item(
            session,
            self.item_id,
            self.team_id,
            self.visible,
            self.user_id,
            config.lifecycle.permissions,
            config.roles,
        )


def target(
    services: Services, client: WebClient, user_id: str, team_id: str, item_id: int
) -> Target:
    with services.db.session() as session:
        incident = access.incident_of(session, ActionItem, item_id, team_id)
    visible = Visibility(services, client, user_id)
    if incident is not None:
        visible.learn([incident])
    return Target(item_id, team_id, user_id, visible, incident)


def require_owner_can_see(
    services: Services, client: WebClient, owner_id: str, incident: Incident | None
) -> None:
    """An item's owner must be able to see it: an owner outside a private incident could
    neither open nor finish the item, and handing it over would leak its text."""
    if incident is None or not incident.is_private:
        return
    if not Visibility(services, client, owner_id).can_see(incident):
        raise InvalidInput(
            f"<@{owner_id}> is not in {incident.reference}, which is private, so they could not "
            "see the item. Invite them to the incident channel first, or pick someone in it."
        )
