"""Starting an action item from a message: the shortcut, the :dart: reaction and its button.

Each way in prefills the creation modal with the message's words and keeps
where the message was, so the item links back to it.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.listeners.action_items.create_modal import open_create_modal
from bot.listeners.action_items.payloads import ack_only, button_value, say
from bot.services import Services
from bot.surface import Surface
from bot.workflows.dm import tell_user
from bot.workflows.reaction_hooks import on_category
from core import action_items, incidents
from core.errors import SitrepError
from storage.models import Incident, TimelineEvent

SHORTCUT_ID = "create_action_item"
CREATE_ACTION = "action_item_create"
BUTTON_TEXT_LIMIT = 1500  # a button value holds 2000 characters, JSON included


def _message_text(services: Services, client: WebClient, channel: str, ts: str) -> str:
    """The reacted-to message: from the timeline if captured, else from Slack."""
    with services.db.session() as session:
        captured = session.scalars(
            select(TimelineEvent.text).where(
                TimelineEvent.channel_id == channel, TimelineEvent.ts == ts
            )
        ).first()
    if captured:
        return captured
    try:
        page = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        found = [m for m in page.get("messages", []) if m.get("ts") == ts]
        if not found:
            page = client.conversations_replies(channel=channel, ts=ts, limit=20)
            found = [m for m in page.get("messages", []) if m.get("ts") == ts]
    except SlackApiError:
        return ""
    return (found[0].get("text") or "") if found else ""


@on_category("action_item")
def propose_from_reaction(
    services: Services, client: WebClient, incident_id: int, event: dict[str, Any], user_id: str
) -> None:
    """Offer the person who reacted a prefilled action item, privately, where they reacted."""
    item = event.get("item") or {}
    channel, ts = item.get("channel", ""), item.get("ts", "")
    if item.get("type") != "message" or not channel or not ts:
        return
    text = _message_text(services, client, channel, ts)
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return
        reference = incident.reference
    value = json.dumps(
        {
            "incident_id": incident_id,
            "text": text[:BUTTON_TEXT_LIMIT],
            "channel": channel,
            "ts": ts,
        }
    )
    message = services.templates.message(
        "messages/action_item_proposal.json.j2",
        text=text,
        incident_ref=reference,
        value=value,
        action_id=CREATE_ACTION,
    )
    tell_user(client, user_id, channel, message)


def register(surface: Surface, services: Services) -> None:
    def open_from_shortcut(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        channel = (body.get("channel") or {}).get("id", "")
        message = body.get("message") or {}
        with services.db.session() as session:
            incident = incidents.get_by_channel(session, channel)
            incident_id = incident.id if incident else None
        if incident_id is None:
            respond(
                **services.templates.message(
                    "messages/error.json.j2",
                    message="Create action item works on messages in an incident's channel. "
                    "Use it there, or `/incident action add` in the incident channel.",
                ),
                response_type="ephemeral",
            )
            return
        open_create_modal(
            services,
            client,
            body["trigger_id"],
            incident_id=incident_id,
            user_id=body["user"]["id"],
            text=(message.get("text") or "")[: action_items.MAX_TEXT],
            channel=channel,
            ts=message.get("ts"),
        )

    def open_from_button(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        value = button_value(body)
        try:
            open_create_modal(
                services,
                client,
                body["trigger_id"],
                incident_id=int(value["incident_id"]),
                user_id=body["user"]["id"],
                text=str(value.get("text") or "")[: action_items.MAX_TEXT],
                channel=str(value.get("channel") or ""),
                ts=value.get("ts"),
            )
        except (KeyError, ValueError, TypeError):
            say(
                client,
                respond,
                body,
                ":warning: That button is out of date; add the item with "
                "`/incident action add` instead.",
            )
        except SitrepError as exc:
            say(client, respond, body, f":warning: {exc}")

    surface.message_shortcut(SHORTCUT_ID, ack=ack_only, lazy=[open_from_shortcut])
    surface.action(CREATE_ACTION, ack=ack_only, lazy=[open_from_button])
