"""The Slack side of a role handoff: invite, instructions by DM, a line in the channel, the card.

Also the request to take a role over from its holder, for people who may not
take it on their own: posted in the incident channel with buttons, answered by
the IC or Deputy (or the holder).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import card, reminders
from bot.workflows.dm import send_dm
from bot.workflows.invites import invite_each
from bot.workflows.slack_errors import explain
from config.roles import Role
from core import lifecycle
from core import roles as core_roles
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.transactions import run_retrying
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


ACCEPT, DECLINE = "role_request_accept", "role_request_decline"


@dataclass(frozen=True)
class TakeOver:
    """Someone asked for ``role`` to go to ``user``; ``holding`` is the one it would end."""

    incident_id: int
    role: str
    user: str
    asked_by: str
    holding: int  # the RoleAssignment id: a request answered after a handover is out of date
    holder: str

    def value(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_value(cls, value: str) -> TakeOver:
        try:
            return cls(**json.loads(value))
        except (TypeError, ValueError):
            raise InvalidInput("That button does not belong to a role request.") from None


def ask_to_take_over(services: Services, client: WebClient, request: TakeOver) -> None:
    """Post the request, with its buttons, in the incident channel."""
    config = services.settings.config
    role = config.roles[request.role]
    with services.db.session() as session:
        incident = session.get_one(Incident, request.incident_id)
        channel_id, reference = incident.channel_id, incident.reference
    message = services.templates.message(
        "messages/role_request.json.j2",
        request=request,
        role=role,
        reference=reference,
        who=lifecycle.who_may_take_over(config.lifecycle, config.roles),
        accept=ACCEPT,
        decline=DECLINE,
    )
    if channel_id:
        client.chat_postMessage(channel=channel_id, **message)


def answer(
    services: Services, client: WebClient, body: dict[str, Any], accepted: bool
) -> list[str]:
    """Apply a click on a request's button; the message then says how it was answered."""
    config = services.settings.config
    actions = body.get("actions") or [{}]
    request = TakeOver.from_value(actions[0].get("value") or "")
    clicker = body["user"]["id"]
    role = config.roles.get(request.role)
    if role is None:
        raise NotFound("That role is no longer configured.")

    def work(session: Any) -> tuple[str, str | None]:
        incident = session.get(Incident, request.incident_id)
        if incident is None:
            raise NotFound("That incident no longer exists.")
        current = core_roles.current_holder(session, incident, role.key)
        if current is None or current.id != request.holding:
            now = f"<@{current.user_id}> is {role.name} now" if current else "the role is free"
            raise InvalidInput(f"This request is out of date: {now}. Ask again if it still fits.")
        blocked = lifecycle.takeover_blocked_by(
            session, incident, role.key, clicker, config.lifecycle
        )
        if blocked is not None:
            who = lifecycle.who_may_take_over(config.lifecycle, config.roles)
            raise PermissionDenied(
                f"Only the {who} (or <@{request.holder}>) can answer this request."
            )
        if not accepted:
            return incident.reference, None
        lifecycle.check_permission(
            session, incident, "assign_roles", clicker, config.lifecycle, config.roles
        )
        previous = core_roles.hand_over(session, incident, role, request.user, clicker)
        return incident.reference, previous

    reference, previous = run_retrying(services.db, work)
    container = body.get("container") or {}
    answered = services.templates.message(
        "messages/role_request_answered.json.j2",
        request=request,
        role=role,
        reference=reference,
        accepted=accepted,
        by=clicker,
    )
    problems: list[str] = []
    try:
        client.chat_update(
            channel=container.get("channel_id"), ts=container.get("message_ts"), **answered
        )
    except SlackApiError as exc:
        problems.append(f"updating the request: {explain(exc)}")
    if accepted:
        problems += announce(
            services, client, request.incident_id, role, request.user, previous, clicker
        )
    return problems
