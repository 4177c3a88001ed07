"""Who may see a private incident: the people in it.

Search results, similar incidents and stats name incidents; a private one is
named only to its members. Sitrep's own records (participants who have not
left, current role holders) answer most checks without a call;
the incident channel's member list in Slack settles the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.services import Services
from storage.models import Incident, Participant, RoleAssignment

log = logging.getLogger(__name__)


class Visibility:
    """Answers "may this person see this incident?", remembering answers for one request."""

    def __init__(self, services: Services, client: WebClient, user_id: str) -> None:
        self.services = services
        self.client = client
        self.user_id = user_id
        self._known: dict[int, bool] = {}

    def __call__(self, incident: Incident) -> bool:
        return self.can_see(incident)

    def learn(self, incidents: Iterable[Incident]) -> Visibility:
        """Settle the verdict on each incident now, so later checks inside a transaction
        answer from memory instead of waiting on Slack with the transaction open."""
        for incident in incidents:
            self.can_see(incident)
        return self

    def can_see(self, incident: Incident) -> bool:
        if not incident.is_private:
            return True
        if incident.id not in self._known:
            self._known[incident.id] = self._recorded_member(incident) or self._channel_member(
                incident.channel_id
            )
        return self._known[incident.id]

    def _recorded_member(self, incident: Incident) -> bool:
        with self.services.db.session() as session:
            participant = session.scalar(
                select(Participant.id).where(
                    Participant.incident_id == incident.id,
                    Participant.user_id == self.user_id,
                    Participant.left_at.is_(None),
                )
            )
            if participant is not None:
                return True
            role = session.scalar(
                select(RoleAssignment.id).where(
                    RoleAssignment.incident_id == incident.id,
                    RoleAssignment.user_id == self.user_id,
                    RoleAssignment.ended_at.is_(None),
                )
            )
            return role is not None

    def _channel_member(self, channel_id: str | None) -> bool:
        if not channel_id:
            return False
        cursor = None
        try:
            while True:
                page = self.client.conversations_members(
                    channel=channel_id, limit=500, cursor=cursor
                )
                if self.user_id in page["members"]:
                    return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return False
        except SlackApiError as exc:
            # An archived or unreachable channel: keep the incident hidden.
            log.info("membership check of %s failed: %s", channel_id, exc.response.get("error"))
            return False
