"""Payloads Slack sends to an app: slash commands, block actions, view submissions, events.

Tests push these through Socket Mode; building them here (with a live trigger_id
and response_url on this emulator) keeps the shapes right and saves every test
from hand-writing Slack's fields. Call with the workspace lock held.
"""

from __future__ import annotations

import copy
import secrets
import time
import uuid
from typing import Any

from emulator.state import ResponseUrl, Trigger, Workspace

VERIFICATION_TOKEN = "emulator-verification-token"
TRIGGER_TTL = 3.0


def new_trigger(ws: Workspace, user: str | None = None, ttl: float = TRIGGER_TTL) -> str:
    """A trigger_id in Slack's format, valid once for ``ttl`` seconds."""
    trigger_id = f"{int(time.time())}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
    ws.triggers[trigger_id] = Trigger(id=trigger_id, user=user, expires_at=time.monotonic() + ttl)
    return trigger_id


def new_response_url(
    ws: Workspace,
    base_url: str,
    channel_id: str | None = None,
    user_id: str | None = None,
    message_ts: str | None = None,
) -> str:
    """A response_url on this emulator; posts to it land in ``SlackEmulator.responses``."""
    rid = uuid.uuid4().hex
    url = f"{base_url}/response/{rid}"
    ws.response_urls[rid] = ResponseUrl(
        id=rid, url=url, channel_id=channel_id, user_id=user_id, message_ts=message_ts
    )
    return url


def _user(ws: Workspace, user_id: str) -> dict[str, Any]:
    user = ws.user(user_id)
    name = user.name if user else user_id
    return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}


def _channel_name(ws: Workspace, channel_id: str) -> str:
    channel = ws.channels.get(channel_id)
    if channel is None:
        return ""
    return "directmessage" if channel.is_im else channel.name


def slash_command(
    ws: Workspace, base_url: str, command: str, text: str, user_id: str, channel_id: str
) -> dict[str, Any]:
    """A slash command payload (all values strings, as Slack form-encodes them)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": channel_id,
        "channel_name": _channel_name(ws, channel_id),
        "user_id": user_id,
        "user_name": _user(ws, user_id)["name"],
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": new_response_url(ws, base_url, channel_id, user_id),
        "trigger_id": new_trigger(ws, user_id),
    }


def block_actions(
    ws: Workspace,
    base_url: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    action_id: str,
    value: str = "",
    block_id: str = "",
) -> dict[str, Any]:
    """A button click on a message the bot posted."""
    channel = ws.channels.get(channel_id)
    message = channel.find_message(message_ts) if channel else None
    return {
        "type": "block_actions",
        "user": _user(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": new_trigger(ws, user_id),
        "team": {"id": ws.team_id, "domain": ws.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": _channel_name(ws, channel_id)},
        "message": copy.deepcopy(message) if message else {"ts": message_ts},
        "state": {"values": {}},
        "response_url": new_response_url(ws, base_url, channel_id, user_id, message_ts),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id or action_id,
                "value": value,
                "text": {"type": "plain_text", "text": value or action_id},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    ws: Workspace, view_id: str, user_id: str, values: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, Any]:
    """A modal submission of a view the bot opened, with the user's input values."""
    stored = ws.views.get(view_id)
    if stored is None:
        raise KeyError(f"no view {view_id!r} was opened")
    view = copy.deepcopy(stored)
    view["state"] = {"values": copy.deepcopy(values)}
    return {
        "type": "view_submission",
        "team": {"id": ws.team_id, "domain": ws.team_domain},
        "user": _user(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger(ws, user_id),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(ws: Workspace, event: dict[str, Any]) -> dict[str, Any]:
    """Wrap an inner event (e.g. ``app_mention``) the way the Events API delivers it."""
    now = int(time.time())
    event = dict(event)
    event.setdefault("event_ts", f"{time.time():.6f}")
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
