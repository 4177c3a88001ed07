"""Interaction payloads for what a person clicks in the sandbox page.

``emulator.payloads`` builds the simple shapes tests push (a button on a
message); the page also clicks selects, date pickers and checkboxes, in
messages, ephemeral messages, modals and the App Home tab, so the container
and the action carry whatever the element was. Call with the lock held.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from emulator.errors import SlackError
from emulator.payloads import VERIFICATION_TOKEN, new_response_url, new_trigger
from emulator.state import Workspace

# What the page may send about the chosen value, per element type, and nothing else.
SELECTION_FIELDS = (
    "value",
    "selected_option",
    "selected_options",
    "selected_user",
    "selected_users",
    "selected_conversation",
    "selected_conversations",
    "selected_channel",
    "selected_channels",
    "selected_date",
    "selected_time",
    "selected_date_time",
)


def _user(ws: Workspace, user_id: str) -> dict[str, Any]:
    user = ws.user(user_id)
    name = user.name if user else user_id
    return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}


def _team(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.team_id, "domain": ws.team_domain}


def _channel(ws: Workspace, channel_id: str) -> dict[str, Any]:
    channel = ws.channels.get(channel_id)
    name = "" if channel is None else ("directmessage" if channel.is_im else channel.name)
    return {"id": channel_id, "name": name}


def action_of(element: dict[str, Any], block_id: str, choice: dict[str, Any]) -> dict[str, Any]:
    """The ``actions[0]`` Slack sends for an element, from its definition and the choice made."""
    action: dict[str, Any] = {
        "type": element.get("type", "button"),
        "action_id": element.get("action_id", ""),
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if action["type"] == "button":
        action["text"] = element.get("text") or {"type": "plain_text", "text": ""}
        if "style" in element:
            action["style"] = element["style"]
        if "value" in element:
            action["value"] = element["value"]
    for name in SELECTION_FIELDS:
        if name in choice:
            action[name] = choice[name]
    return action


def block_actions(
    ws: Workspace,
    base_url: str,
    user_id: str,
    container: dict[str, Any],
    action: dict[str, Any],
    state_values: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """A block_actions payload and the response_url it carries ("" for views)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger(ws, user_id),
        "team": _team(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": [action],
    }
    kind = container.get("type")
    response_url = ""
    if kind == "view":
        view = ws.views.get(container.get("view_id", ""))
        if view is None:
            view = next(
                (v for v in ws.home_views.values() if v["id"] == container.get("view_id")), None
            )
        if view is None:
            raise SlackError("not_found")
        shown = copy.deepcopy(view)
        shown["state"] = {"values": state_values or {}}
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = shown
        return payload, response_url
    channel_id = str(container.get("channel_id", ""))
    channel = ws.channels.get(channel_id)
    if channel is None:
        raise SlackError("channel_not_found")
    if kind == "ephemeral":
        response_url = new_response_url(ws, base_url, channel_id, user_id)
        payload["container"] = {
            "type": "message",
            "message_ts": container.get("message_ts", ""),
            "channel_id": channel_id,
            "is_ephemeral": True,
        }
    else:
        ts = str(container.get("message_ts", ""))
        message = channel.find_message(ts)
        if message is None:
            raise SlackError("message_not_found")
        response_url = new_response_url(ws, base_url, channel_id, user_id, ts)
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["message"] = copy.deepcopy(message)
    payload["channel"] = _channel(ws, channel_id)
    payload["response_url"] = response_url
    return payload, response_url


def message_shortcut(
    ws: Workspace, base_url: str, user_id: str, channel_id: str, ts: str, callback_id: str
) -> dict[str, Any]:
    """A message shortcut ("More actions" on a message)."""
    channel = ws.channels.get(channel_id)
    message = channel.find_message(ts) if channel is not None else None
    if message is None:
        raise SlackError("message_not_found")
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": _team(ws),
        "user": _user(ws, user_id),
        "channel": _channel(ws, channel_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": new_trigger(ws, user_id),
        "response_url": new_response_url(ws, base_url, channel_id, user_id),
        "message_ts": ts,
        "message": copy.deepcopy(message),
    }


def view_closed(ws: Workspace, user_id: str, view_id: str, cleared: bool) -> dict[str, Any]:
    """Sent when a person closes a modal whose view asked for ``notify_on_close``."""
    return {
        "type": "view_closed",
        "team": _team(ws),
        "user": _user(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "view": copy.deepcopy(ws.views.get(view_id, {})),
        "is_cleared": cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }
