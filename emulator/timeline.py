"""How messages enter and leave a channel, threads included.

Slack keeps thread bookkeeping on the parent (``reply_count``, ``reply_users``,
``latest_reply``) and shows broadcasts in both places; every writer (chat.*,
file shares, response_url, test seeding) goes through here so those fields
stay right. Call with the workspace lock held.
"""

from __future__ import annotations

from typing import Any

from emulator.state import Channel

_THREAD_FIELDS = ("reply_count", "reply_users", "reply_users_count", "latest_reply", "is_locked")


def add_message(
    channel: Channel, message: dict[str, Any], thread_ts: str | None = None, broadcast: bool = False
) -> dict[str, Any]:
    """Append a message; a reply to an unknown thread lands top-level, as in Slack."""
    parent: dict[str, Any] | None = None
    if thread_ts:
        parent_ts = channel.parent_of(thread_ts) or thread_ts
        parent = channel.top_level(parent_ts)
    if parent is None:
        channel.messages.append(message)
        return message
    parent_ts = parent["ts"]
    message["thread_ts"] = parent_ts
    message["parent_user_id"] = parent.get("user", "")
    channel.replies.setdefault(parent_ts, []).append(message)
    if broadcast:
        message["subtype"] = "thread_broadcast"
        message["root"] = {k: v for k, v in parent.items() if k not in ("blocks", "files")}
        channel.messages.append(message)
    recount_thread(channel, parent_ts)
    return message


def recount_thread(channel: Channel, parent_ts: str) -> None:
    """Refresh a parent's reply bookkeeping from its replies."""
    parent = channel.top_level(parent_ts)
    replies = channel.replies.get(parent_ts, [])
    if parent is None:
        return
    if not replies:
        channel.replies.pop(parent_ts, None)
        for name in (*_THREAD_FIELDS, "thread_ts"):
            parent.pop(name, None)
        return
    users: list[str] = []
    for reply in replies:
        user = reply.get("user", "")
        if user and user not in users:
            users.append(user)
    parent.update(
        {
            "thread_ts": parent_ts,
            "reply_count": len(replies),
            "reply_users": users,
            "reply_users_count": len(users),
            "latest_reply": replies[-1]["ts"],
            "is_locked": False,
        }
    )


def remove_message(channel: Channel, ts: str) -> None:
    """Delete a message; a parent with replies leaves a tombstone like Slack's."""
    if ts in channel.pins:
        channel.pins.remove(ts)
        channel.pin_meta.pop(ts, None)
    parent_ts = channel.parent_of(ts)
    if parent_ts is not None:
        channel.replies[parent_ts] = [m for m in channel.replies[parent_ts] if m.get("ts") != ts]
        channel.messages = [m for m in channel.messages if m.get("ts") != ts]
        recount_thread(channel, parent_ts)
        return
    if channel.replies.get(ts):
        for i, message in enumerate(channel.messages):
            if message.get("ts") == ts:
                tombstone = {
                    "type": "message",
                    "subtype": "tombstone",
                    "ts": ts,
                    "user": "USLACKBOT",
                    "text": "This message was deleted.",
                    "hidden": True,
                }
                tombstone.update(
                    {k: message[k] for k in (*_THREAD_FIELDS, "thread_ts") if k in message}
                )
                channel.messages[i] = tombstone
        return
    channel.messages = [m for m in channel.messages if m.get("ts") != ts]


def ts_key(ts: str) -> int:
    """A ts as integer microseconds, so comparisons are exact (floats are not)."""
    seconds, _, fraction = ts.strip().partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(ts)
    return int(seconds) * 1_000_000 + int((fraction + "000000")[:6])


def window(
    messages: list[dict[str, Any]], oldest: int, latest: int, inclusive: bool
) -> list[dict[str, Any]]:
    """Messages between oldest and latest (bounds only when ``inclusive``)."""
    chosen = []
    for message in messages:
        ts = ts_key(message["ts"])
        if (oldest < ts < latest) or (inclusive and ts in (oldest, latest)):
            chosen.append(message)
    return chosen
