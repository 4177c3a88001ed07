"""The declare modal: opened by ``/incident declare`` and the message shortcut."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.surface import Surface
from bot.workflows import declare as declare_flow
from bot.workflows.declare_progress import PrivateReply
from core.incidents import DeclareRequest

log = logging.getLogger(__name__)

CALLBACK_ID = "declare_incident"
SHORTCUT_ID = "declare_from_message"


def open_modal(
    services: Services,
    client: WebClient,
    trigger_id: str,
    *,
    origin_channel: str = "",
    title: str = "",
    description: str = "",
    source_permalink: str | None = None,
) -> None:
    severities = services.settings.config.severities
    view = services.templates.json(
        "views/declare_modal.json.j2",
        severities=severities.levels,
        default_severity=severities.default,
        catalog=services.settings.config.catalog.services,
        title=title,
        description=description,
        source_permalink=source_permalink,
        private_metadata=json.dumps({"channel": origin_channel, "permalink": source_permalink}),
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _value(values: dict[str, Any], block: str) -> Any:
    element = values.get(block, {}).get("value", {})
    kind = element.get("type")
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "multi_static_select":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("selected_options") or []]
    return element.get("value") or ""


def request_from_view(body: dict[str, Any]) -> DeclareRequest:
    view = body["view"]
    values = view["state"]["values"]
    meta = json.loads(view.get("private_metadata") or "{}")
    # Catalog services are picked from a list; anything else may still be typed in.
    chosen = _value(values, "catalog_services") or []
    typed = [s.strip() for s in (_value(values, "services") or "").split(",")]
    services = list(dict.fromkeys([*chosen, *typed]))
    return DeclareRequest(
        team_id=(body.get("team") or {}).get("id") or body.get("team_id", ""),
        title=_value(values, "title"),
        severity=_value(values, "severity"),
        description=_value(values, "description"),
        services=[s for s in services if s],
        is_private="private" in _value(values, "private"),
        invitees=_value(values, "invitees"),
        declared_by=body["user"]["id"],
        source_permalink=meta.get("permalink"),
    )


def register(surface: Surface, services: Services) -> None:
    def ack_submission(ack: Ack, body: dict[str, Any]) -> None:
        title = _value(body["view"]["state"]["values"], "title").strip()
        if not title:
            ack(response_action="errors", errors={"title": "Give the incident a short title."})
            return
        ack()

    def declare_from_view(body: dict[str, Any], client: WebClient) -> None:
        request = request_from_view(body)
        origin = json.loads(body["view"].get("private_metadata") or "{}").get("channel") or ""
        reply = PrivateReply(client, request.declared_by, origin)
        declare_flow.declare(services, client, request, reply)

    def ack_shortcut(ack: Ack) -> None:
        ack()

    def open_from_message(body: dict[str, Any], client: WebClient) -> None:
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id", "")
        text = message.get("text") or ""
        permalink = None
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=message["ts"])[
                "permalink"
            ]
        except (SlackApiError, KeyError):
            log.info("no permalink for the shortcut's message; declaring without a link")
        open_modal(
            services,
            client,
            body["trigger_id"],
            origin_channel=channel,
            title=text.strip().splitlines()[0][:150] if text.strip() else "",
            description=text[:3000],
            source_permalink=permalink,
        )

    surface.view(CALLBACK_ID, ack=ack_submission, lazy=[declare_from_view])
    surface.message_shortcut(SHORTCUT_ID, ack=ack_shortcut, lazy=[open_from_message])
