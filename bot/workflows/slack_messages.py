"""Slack's message shapes turned into timeline records.

Events (``message`` with its subtypes) and history pages (conversations.history
and .replies) carry the same message objects, so live capture and gap filling
parse through the same functions and can never disagree about a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.timeline import BOT_MESSAGE, FILE, JOIN, LEAVE, MESSAGE, REPLY, MessageRecord, ts_time

# Subtypes that are someone saying something; anything else not handled below
# (topic changes, pins, huddles ...) is channel housekeeping and not kept.
SPOKEN = frozenset({None, "file_share", "bot_message", "thread_broadcast", "me_message"})
JOINS = frozenset({"channel_join", "group_join"})
LEAVES = frozenset({"channel_leave", "group_leave"})
FILE_FIELDS = ("id", "name", "title", "mimetype", "filetype", "permalink", "url_private")


@dataclass(frozen=True)
class Identity:
    """Sitrep's own bot user and bot id; its posts are recorded as system events instead."""

    user_id: str | None = None
    bot_id: str | None = None

    def wrote(self, message: dict[str, Any]) -> bool:
        user, bot = message.get("user"), message.get("bot_id")
        return bool((self.user_id and user == self.user_id) or (self.bot_id and bot == self.bot_id))


def kind_of(message: dict[str, Any]) -> str | None:
    """The timeline kind of a message object, or None when it is not kept."""
    subtype = message.get("subtype")
    if subtype in JOINS:
        return JOIN
    if subtype in LEAVES:
        return LEAVE
    if subtype not in SPOKEN:
        return None
    if message.get("files") or subtype == "file_share":
        return FILE
    if subtype == "bot_message" or message.get("bot_id"):
        return BOT_MESSAGE
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message.get("ts"):
        return REPLY
    return MESSAGE


def file_entry(raw: dict[str, Any]) -> dict[str, Any]:
    return {name: raw[name] for name in FILE_FIELDS if raw.get(name) is not None}


def record(channel_id: str, message: dict[str, Any]) -> MessageRecord | None:
    """A record of ``message`` as it is now (edited text included), or None if not kept."""
    kind = kind_of(message)
    ts = message.get("ts")
    if kind is None or not ts:
        return None
    data: dict[str, Any] = {}
    if message.get("subtype"):
        data["subtype"] = message["subtype"]
    files = [file_entry(f) for f in message.get("files") or [] if isinstance(f, dict)]
    if files:
        data["files"] = files
    if kind == BOT_MESSAGE:
        profile = message.get("bot_profile") or {}
        data["username"] = message.get("username") or profile.get("name") or ""
        if message.get("app_id") or profile.get("app_id"):
            data["app_id"] = message.get("app_id") or profile.get("app_id")
    if kind in (JOIN, LEAVE) and message.get("inviter"):
        data["inviter"] = message["inviter"]
    edited = message.get("edited") or {}
    return MessageRecord(
        channel_id=channel_id,
        ts=ts,
        kind=kind,
        text=message.get("text") or "",
        user_id=message.get("user") or None,
        bot_id=message.get("bot_id") or None,
        thread_ts=message.get("thread_ts") or None,
        data=data,
        edited_at=ts_time(edited["ts"]) if edited.get("ts") else None,
    )


# [^<>], not [^>]: a token never holds "<", and stopping there keeps an unclosed
# token from being rescanned to the end of the text from every "<".
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^<>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^<>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^<>|]+)(?:\|([^<>]+))?>")


def mentioned(text: str) -> set[str]:
    return set(_MENTION.findall(text or ""))


def plain_text(text: str, names: dict[str, str]) -> str:
    """Slack's wire format made readable outside Slack: names for mentions, links spelled out."""
    text = _MENTION.sub(lambda m: "@" + names.get(m[1], m[1]), text or "")
    text = _CHANNEL.sub(lambda m: "#" + (m[2] or m[1]), text)
    text = _SPECIAL.sub(lambda m: "@" + m[1], text)
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})" if m[2] else m[1], text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
