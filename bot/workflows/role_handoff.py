"""The Slack side of a role handoff: invite, instructions by DM, a line in the channel, the card."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import card, reminders
from bot.workflows.dm import send_dm
from bot.workflows.invites import invite_each
from bot.workflows.slack_errors import explain
from config.roles import Role
from storage.models import Incident

log = logging.getLogger(__name__)


def announce(
    services: Services,
    client: WebClient,
    incident_id: int,
    role: Role,
    user_id: str,
    previous: str | None,
    actor: str,
) -> list[str]:
    problems: list[str] = []
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        channel_id = incident.channel_id
        dm = services.templates.message(
            "messages/role_instructions.json.j2", role=role, incident=incident, assigned_by=actor
        )
    line = services.templates.message(
        "messages/role_assigned.json.j2",
        role=role,
        user=user_id,
        previous=previous,
        actor=actor,
        released=False,
    )
    if channel_id:
        problems.extend(invite_each(client, channel_id, [user_id]))
        _post(client, problems, "posting in the incident channel", channel=channel_id, **line)
    try:
        send_dm(client, user_id, dm)
    except SlackApiError as exc:
        problems.append(f"sending <@{user_id}> the role's instructions: {explain(exc)}")
    _refresh(services, client, incident_id, problems)
    return problems


def announce_release(
    services: Services, client: WebClient, incident_id: int, role: Role, user_id: str, actor: str
) -> list[str]:
    problems: list[str] = []
    with services.db.session() as session:
        channel_id = session.get_one(Incident, incident_id).channel_id
    line = services.templates.message(
        "messages/role_assigned.json.j2",
        role=role,
        user=user_id,
        previous=None,
        actor=actor,
        released=True,
    )
    if channel_id:
        _post(client, problems, "posting in the incident channel", channel=channel_id, **line)
    _refresh(services, client, incident_id, problems)
    return problems


def _post(client: WebClient, problems: list[str], what: str, **message: object) -> None:
    try:
        client.chat_postMessage(**message)  # type: ignore[arg-type]
    except SlackApiError as exc:
        problems.append(f"{what}: {explain(exc)}")


def _refresh(services: Services, client: WebClient, incident_id: int, problems: list[str]) -> None:
    try:
        card.refresh(services, client, incident_id)
    except SlackApiError as exc:
        problems.append(f"updating the incident card: {explain(exc)}")
    reminders.reschedule(services, incident_id)  # a new IC restarts the fatigue clock
