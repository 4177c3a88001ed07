"""The business impact form opened by ``/incident impact``."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.surface import Surface
from bot.workflows import card
from bot.workflows.dm import tell_user
from bot.workflows.slack_errors import explain
from core import impact, lifecycle
from core.errors import SitrepError
from storage.models import Incident

CALLBACK_ID = "incident_impact"


def _text(values: dict[str, Any], block: str) -> str:
    return (values.get(block, {}).get("value", {}).get("value") or "").strip()


def parse_view(values: dict[str, Any]) -> tuple[impact.Impact, dict[str, str]]:
    """The impact in the form, and an error per field that did not parse."""
    errors: dict[str, str] = {}
    result = impact.Impact(customer_tier=_text(values, "customer_tier"))
    parsers = {
        "users_affected": lambda t: impact.parse_count(t, "Users affected"),
        "revenue_impact": lambda t: impact.parse_amount(t, "Revenue impact"),
        "support_tickets": lambda t: impact.parse_count(t, "Support tickets"),
        "services": impact.parse_services,
    }
    for block, parse in parsers.items():
        try:
            setattr(result, block, parse(_text(values, block)))
        except SitrepError as exc:
            errors[block] = str(exc)[:150]
    return result, errors


def register(surface: Surface, services: Services) -> None:
    def ack_submission(ack: Ack, body: dict[str, Any]) -> None:
        _result, errors = parse_view(body["view"]["state"]["values"])
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

    def save(body: dict[str, Any], client: WebClient) -> None:
        config = services.settings.config
        actor = body["user"]["id"]
        incident_id = int(json.loads(body["view"].get("private_metadata") or "{}")["incident_id"])
        result, _errors = parse_view(body["view"]["state"]["values"])
        problems: list[str] = []
        try:
            with services.db.session() as session:
                incident = session.get_one(Incident, incident_id)
                lifecycle.check_permission(
                    session, incident, "impact", actor, config.lifecycle, config.roles
                )
                summary = impact.record(session, incident, result, actor)
                channel = incident.channel_id or ""
        except SitrepError as exc:
            with services.db.session() as session:
                channel = session.get_one(Incident, incident_id).channel_id or ""
            message = services.templates.message("messages/error.json.j2", message=str(exc))
            tell_user(client, actor, channel, message)
            return
        line = services.templates.message(
            "messages/impact_recorded.json.j2", actor=actor, summary=summary
        )
        try:
            if channel:
                client.chat_postMessage(channel=channel, **line)
            card.refresh(services, client, incident_id)
        except SlackApiError as exc:
            problems.append(explain(exc))
        if problems:
            message = services.templates.message(
                "messages/change_saved_with_problems.json.j2", what="The impact", problems=problems
            )
            tell_user(client, actor, channel, message)

    surface.view(CALLBACK_ID, ack=ack_submission, lazy=[save])
