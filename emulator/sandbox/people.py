"""What a person does in the sandbox's workspace, and the events Slack would send for it.

Each function changes the workspace (call with the lock held) and returns the
inner events an app subscribed to them would receive. Slack's client turns a
typed ``@bob`` into ``<@U…>`` and escapes ``&``, ``<`` and ``>``; so does this.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from emulator.errors import SlackError
from emulator.methods.conversations import open_im
from emulator.methods.registry import Ctx
from emulator.objects import user_message
from emulator.state import Channel, Workspace
from emulator.timeline import add_message

Event = dict[str, Any]
_MENTION = re.compile(r"(?<![\w<])([@#])([a-z0-9][a-z0-9._-]*)", re.IGNORECASE)


def escape(ws: Workspace, text: str) -> str:
    """Text as Slack's client sends it: entities escaped, known @people and #channels linked."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def link(match: re.Match[str]) -> str:
        sigil, name = match.group(1), match.group(2)
        trailing = ""
        while name and name[-1] in "._-":  # "@bob." ends a sentence, not a name
            name, trailing = name[:-1], name[-1] + trailing
        if sigil == "@":
            found = next((u for u in ws.users.values() if u.name == name.lower()), None)
            if found is not None:
                return f"<@{found.id}|{found.name}>{trailing}"
        else:
            channel = ws.channel_named(name.lower())
            if channel is not None:
                return f"<#{channel.id}|{channel.name}>{trailing}"
        return match.group(0)

    return _MENTION.sub(link, text)


def visible_to(channel: Channel, user_id: str) -> bool:
    """Public channels, private ones the person is in, and their DM with the app."""
    if channel.is_im:
        return channel.im_user == user_id
    return not channel.is_private or user_id in channel.members


def person(ws: Workspace, user_id: str) -> None:
    """Refuse actions by someone who is not a person in this workspace."""
    user = ws.user(user_id)
    if user is None or user.is_bot or user.deleted:
        raise SlackError("user_not_found")


def subscribed(ws: Workspace, channel: Channel) -> bool:
    """Channel events reach the app where it is a member (message.channels / message.groups)."""
    return not channel.is_im and ws.bot_user_id in channel.members


def channel_type(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "group" if channel.is_private else "channel"


def join(ws: Workspace, user_id: str, channel: Channel) -> list[Event]:
    """Join a channel (nothing happens for a member)."""
    if user_id in channel.members:
        return []
    channel.members.add(user_id)
    return announce_join(ws, user_id, channel)


def announce_join(
    ws: Workspace, user_id: str, channel: Channel, inviter: str | None = None
) -> list[Event]:
    """Slack posts a channel_join message and sends member_joined_channel for a new member."""
    ts = ws.next_ts()
    message = {
        "type": "message",
        "subtype": "channel_join",
        "ts": ts,
        "user": user_id,
        "text": f"<@{user_id}> has joined the channel",
    }
    if inviter:
        message["inviter"] = inviter
    add_message(channel, message)
    if not subscribed(ws, channel):
        return []
    joined = {
        **message,
        "channel": channel.id,
        "event_ts": ts,
        "channel_type": channel_type(channel),
    }
    member = {
        "type": "member_joined_channel",
        "user": user_id,
        "channel": channel.id,
        "channel_type": "G" if channel.is_private else "C",
        "team": ws.team_id,
        "event_ts": ts,
    }
    if inviter:
        member["inviter"] = inviter
    return [joined, member]


def post(
    ws: Workspace, user_id: str, channel_id: str, text: str, thread_ts: str | None = None
) -> tuple[dict[str, Any], list[Event]]:
    """A person's message (joining a public channel first, as Slack offers to)."""
    person(ws, user_id)
    channel = ws.channels.get(channel_id)
    if channel is None or not visible_to(channel, user_id):
        raise SlackError("channel_not_found")
    if channel.is_archived:
        raise SlackError("is_archived")
    events = join(ws, user_id, channel) if not channel.is_im else []
    escaped = escape(ws, text)
    message = user_message(ws, ws.next_ts(), user_id, escaped)
    message["client_msg_id"] = str(uuid.uuid4())
    message["blocks"] = [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]
    add_message(channel, message, thread_ts or None)
    if subscribed(ws, channel):
        event = {**message, "channel": channel.id, "event_ts": message["ts"]}
        event["channel_type"] = channel_type(channel)
        events.append(event)
    return message, events


def toggle_reaction(
    ws: Workspace, user_id: str, channel_id: str, ts: str, name: str
) -> list[Event]:
    """Add the reaction, or take it back when the person already reacted with it."""
    person(ws, user_id)
    name = name.strip().strip(":")
    if not name or " " in name:
        raise SlackError("invalid_name")
    channel = ws.channels.get(channel_id)
    message = channel.find_message(ts) if channel is not None else None
    if channel is None or message is None or not visible_to(channel, user_id):
        raise SlackError("message_not_found")
    reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
    entry = next((r for r in reactions if r["name"] == name), None)
    if entry is None:
        entry = {"name": name, "users": [], "count": 0}
        reactions.append(entry)
    added = user_id not in entry["users"]
    if added:
        entry["users"].append(user_id)
    else:
        entry["users"].remove(user_id)
    entry["count"] = len(entry["users"])
    message["reactions"] = [r for r in reactions if r["count"]]
    if not message["reactions"]:
        del message["reactions"]
    if not subscribed(ws, channel):
        return []
    event: Event = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user_id,
        "reaction": name,
        "item": {"type": "message", "channel": channel.id, "ts": ts},
        "event_ts": f"{time.time():.6f}",
    }
    if message.get("user"):
        event["item_user"] = message["user"]
    return [event]


def app_home_opened(ws: Workspace, user_id: str, tab: str) -> list[Event]:
    """Opening the app's Home or Messages tab; Slack opens the DM on first visit."""
    person(ws, user_id)
    channel = open_im(Ctx(ws=ws, base_url="", new_socket_url=lambda: ""), user_id)
    event: Event = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel.id,
        "tab": "messages" if tab == "messages" else "home",
        "event_ts": f"{time.time():.6f}",
    }
    home = ws.home_views.get(user_id)
    if home is not None and event["tab"] == "home":
        event["view"] = home
    return [event]
