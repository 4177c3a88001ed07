"""Events API payloads in Slack's own shapes, for the timeline capture tests.

Shapes follow Slack's message event and its subtypes (message_changed,
message_deleted, file_share, bot_message, channel_join, channel_leave),
reaction_added/removed and member_joined/left_channel.
"""

from __future__ import annotations

import copy
import time
from typing import Any

TEAM = "T0000001"


class Clock:
    """Slack timestamps that always increase, starting a while ago."""

    def __init__(self, start: float | None = None) -> None:
        self.micros = int((start if start is not None else time.time() - 3600) * 1_000_000)

    def next(self, seconds: float = 7.0) -> str:
        self.micros += int(seconds * 1_000_000)
        return f"{self.micros // 1_000_000}.{self.micros % 1_000_000:06d}"


def message(
    channel: str, user: str, text: str, ts: str, thread_ts: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
        "team": TEAM,
        "client_msg_id": f"msg-{ts}",
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "b1",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = "UALICE"
    return event


def file_share(
    channel: str, user: str, text: str, ts: str, name: str, thread_ts: str | None = None
) -> dict[str, Any]:
    event = message(channel, user, text, ts, thread_ts)
    file_id = f"F{ts.replace('.', '')[-8:]}"
    event.update(
        {
            "subtype": "file_share",
            "upload": True,
            "display_as_bot": False,
            "files": [
                {
                    "id": file_id,
                    "created": int(float(ts)),
                    "name": name,
                    "title": name,
                    "mimetype": "image/png" if name.endswith(".png") else "text/plain",
                    "filetype": "png" if name.endswith(".png") else "text",
                    "user": user,
                    "size": 1234,
                    "url_private": f"https://files.slack.com/files-pri/{TEAM}-{file_id}/{name}",
                    "permalink": f"https://acme.slack.com/files/{user}/{file_id}/{name}",
                }
            ],
        }
    )
    return event


def bot_message(channel: str, bot_id: str, username: str, text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "bot_message",
        "channel": channel,
        "bot_id": bot_id,
        "username": username,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def own_post(channel: str, text: str, ts: str) -> dict[str, Any]:
    """A message Sitrep itself posted (chat.postMessage with the bot token)."""
    return {
        "type": "message",
        "channel": channel,
        "user": "UBOT",
        "bot_id": "B0000BOT",
        "app_id": "A0000APP",
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
        "team": TEAM,
    }


def changed(original: dict[str, Any], new_text: str, edit_ts: str) -> dict[str, Any]:
    inner = {k: v for k, v in copy.deepcopy(original).items() if k not in ("channel", "event_ts")}
    inner["text"] = new_text
    inner["edited"] = {"user": original.get("user", ""), "ts": edit_ts}
    previous = {k: v for k, v in copy.deepcopy(original).items() if k not in ("channel",)}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": original["channel"],
        "ts": edit_ts,
        "event_ts": edit_ts,
        "channel_type": "channel",
        "message": inner,
        "previous_message": previous,
    }


def deleted(original: dict[str, Any], delete_ts: str) -> dict[str, Any]:
    previous = {k: v for k, v in copy.deepcopy(original).items() if k not in ("channel",)}
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": original["channel"],
        "ts": delete_ts,
        "event_ts": delete_ts,
        "deleted_ts": original["ts"],
        "channel_type": "channel",
        "previous_message": previous,
    }


def joined(channel: str, user: str, ts: str, inviter: str | None = None) -> dict[str, Any]:
    event = {
        "type": "message",
        "subtype": "channel_join",
        "channel": channel,
        "user": user,
        "text": f"<@{user}> has joined the channel",
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }
    if inviter:
        event["inviter"] = inviter
    return event


def left(channel: str, user: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "channel_leave",
        "channel": channel,
        "user": user,
        "text": f"<@{user}> has left the channel",
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def reaction(
    added: bool, user: str, emoji: str, target: dict[str, Any], event_ts: str
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": emoji,
        "item": {"type": "message", "channel": target["channel"], "ts": target["ts"]},
        "event_ts": event_ts,
    }
    if target.get("user"):
        event["item_user"] = target["user"]
    return event


def member(added: bool, channel: str, user: str, event_ts: str) -> dict[str, Any]:
    return {
        "type": "member_joined_channel" if added else "member_left_channel",
        "user": user,
        "channel": channel,
        "channel_type": "C",
        "team": TEAM,
        "event_ts": event_ts,
    }
