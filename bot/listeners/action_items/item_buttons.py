"""The Done and Snooze buttons on listed items, in the digest DM and on the App Home tab.

After a click the list is drawn again where it was clicked (the DM in place,
or the Home tab), so it never shows an item in its old state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot import users
from bot.listeners.action_items.payloads import ack_only, button_value, say
from bot.services import Services
from bot.surface import Surface
from bot.workflows import action_items as flow
from bot.workflows import item_access
from core import action_items, due_dates
from core.errors import SitrepError

DONE_ACTION = "action_item_done"
SNOOZE_ACTION = "action_item_snooze"


def listed_item_ids(message: dict[str, Any]) -> list[int]:
    """The items a DM lists, read back from its blocks (``ai:<id>`` block ids)."""
    ids = []
    for block in message.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        if block_id.startswith("ai:") and block_id[3:].isdigit():
            ids.append(int(block_id[3:]))
    return ids


def team_of_click(body: dict[str, Any]) -> str:
    """The workspace a click came from; items of other workspaces are not found from it."""
    return str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")


def refresh_where_clicked(services: Services, client: WebClient, body: dict[str, Any]) -> None:
    """Redraw the DM (in place) or the App Home tab the button was clicked in."""
    user_id = body["user"]["id"]
    container = body.get("container") or {}
    if container.get("type") == "view":
        flow.refresh_home(services, client, user_id)
        return
    kind = button_value(body).get("kind", "digest")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    ids = listed_item_ids(body.get("message") or {})
    if not channel or not ts or not ids:
        return
    today = due_dates.today_in(users.user_tz(services, client, user_id))
    with services.db.session() as session:
        message = flow.nudge_message(services, session, kind, ids, user_id, today)
    client.chat_update(channel=channel, ts=ts, **message)


def register(surface: Surface, services: Services) -> None:
    def mark_done(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        _change(
            body,
            client,
            respond,
            lambda session, item, user: action_items.complete(session, item, user),
        )

    def snooze(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        today = due_dates.today_in(users.user_tz(services, client, body["user"]["id"]))
        days = services.settings.config.action_items.snooze_days
        _change(
            body,
            client,
            respond,
            lambda _s, item, _u: action_items.snooze(item, today + timedelta(days=days)),
        )

    def _change(body: dict[str, Any], client: WebClient, respond: Respond, apply: Any) -> None:
        user_id = body["user"]["id"]
        try:
            item_id = int(button_value(body).get("id") or 0)
            target = item_access.target(services, client, user_id, team_of_click(body), item_id)
            with services.db.session() as session:
                apply(session, target.changeable(services, session), user_id)
        except (TypeError, ValueError):
            say(client, respond, body, ":information_source: That button is out of date.")
        except SitrepError as exc:
            say(client, respond, body, f":information_source: {exc}")
        refresh_where_clicked(services, client, body)

    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        flow.refresh_home(services, client, event["user"])

    surface.action(DONE_ACTION, ack=ack_only, lazy=[mark_done])
    surface.action(SNOOZE_ACTION, ack=ack_only, lazy=[snooze])
    surface.event("app_home_opened", home_opened)
