"""Reassigning a listed item: its button opens a modal that names the new owner.

The modal carries where it was opened from, so the list it came from is
drawn again once the item has its new owner.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.listeners.action_items.item_buttons import (
    listed_item_ids,
    refresh_where_clicked,
    team_of_click,
)
from bot.listeners.action_items.payloads import ack_only, button_value, field_value, say
from bot.services import Services
from bot.surface import Surface
from bot.workflows import action_items as flow
from bot.workflows import item_access
from bot.workflows.dm import tell_user
from core import action_items, due_dates
from core.errors import SitrepError

REASSIGN_ACTION = "action_item_reassign"
REASSIGN_MODAL_ID = "action_item_reassign_modal"


def register(surface: Surface, services: Services) -> None:
    def open_reassign(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user_id = body["user"]["id"]
        try:
            item_id = int(button_value(body).get("id") or 0)
            target = item_access.target(services, client, user_id, team_of_click(body), item_id)
            with services.db.session() as session:
                item = target.changeable(services, session)
                today = due_dates.today_in(flow.cached_tz(session, user_id))
                view_item = flow.item_view(
                    session, item, today, services.settings.config.lifecycle.statuses
                )
        except (TypeError, ValueError):
            return
        except SitrepError as exc:
            say(client, respond, body, f":information_source: {exc}")
            return
        container = body.get("container") or {}
        view = services.templates.json(
            "views/action_item_reassign.json.j2",
            item=view_item,
            private_metadata=json.dumps(
                {
                    "id": item_id,
                    "team": team_of_click(body),
                    "kind": button_value(body).get("kind", "digest"),
                    "container": container,
                    "items": listed_item_ids(body.get("message") or {}),
                }
            ),
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def _target(body: dict[str, Any], client: WebClient) -> item_access.Target:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        team = str(meta.get("team") or team_of_click(body))
        return item_access.target(services, client, body["user"]["id"], team, int(meta["id"]))

    def ack_reassign(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        owner = field_value(body["view"]["state"]["values"], "owner")
        try:
            incident = _target(body, client).require_visible()
            flow.owner_for_new_item(services, client, owner, body["user"]["id"], incident)
        except SitrepError as exc:
            ack(response_action="errors", errors={"owner": str(exc)})
            return
        ack()

    def reassign_from_modal(body: dict[str, Any], client: WebClient) -> None:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        owner = field_value(body["view"]["state"]["values"], "owner")
        user_id = body["user"]["id"]
        try:
            target = _target(body, client)
            owner = flow.owner_for_new_item(
                services, client, owner, user_id, target.require_visible()
            )
        except SitrepError:
            return  # refused inline by the ack
        try:
            with services.db.session() as session:
                previous = action_items.reassign(
                    session,
                    target.changeable(services, session),
                    owner,
                    user_id,
                    services.settings.config.action_items.team_of(owner),
                )
        except SitrepError as exc:
            tell_user(client, user_id, "", {"text": f":information_source: {exc}"})
        else:
            flow.tell_new_owner(services, client, target.item_id, user_id, previous)
        container = meta.get("container") or {}
        redraw = {
            "user": {"id": user_id},
            "container": container,
            "actions": [{"value": json.dumps({"id": meta.get("id"), "kind": meta.get("kind")})}],
            "message": {"blocks": [{"block_id": f"ai:{n}"} for n in meta.get("items") or []]},
        }
        refresh_where_clicked(services, client, redraw)

    surface.action(REASSIGN_ACTION, ack=ack_only, lazy=[open_reassign])
    surface.view(REASSIGN_MODAL_ID, ack=ack_reassign, lazy=[reassign_from_modal])
