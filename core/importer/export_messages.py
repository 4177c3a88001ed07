"""An exported message as a timeline row: its kind, its words and its times.

Exports keep Slack's raw message shapes, so this is where a ``subtype`` becomes
a timeline kind and a bot's attachments become searchable text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from core.importer.export_reader import ExportChannel, ts_value
from storage.types import utcnow

KINDS = {
    None: "message",
    "bot_message": "bot_message",
    "file_share": "file",
    "file_comment": "file",
    "channel_join": "join",
    "group_join": "join",
    "channel_leave": "leave",
    "group_leave": "leave",
}


def occurred_at(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def message_text(message: dict[str, Any]) -> str:
    """The words of a message; bots often say everything in attachments."""
    parts = [str(message.get("text") or "")]
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        pieces = [attachment.get("pretext"), attachment.get("title"), attachment.get("text")]
        words = [str(p) for p in pieces if p]
        if not words and attachment.get("fallback"):
            words = [str(attachment["fallback"])]
        parts.extend(words)
    files = list(message.get("files") or [])
    if isinstance(message.get("file"), dict):
        files.append(message["file"])
    for file in files:
        if isinstance(file, dict) and (file.get("title") or file.get("name")):
            label = str(file.get("title") or file.get("name"))
            if label not in parts[0]:
                parts.append(label)
    return "\n".join(p for p in parts if p.strip())


def kind_of(message: dict[str, Any]) -> str:
    subtype = message.get("subtype")
    if subtype is None and message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        return "reply"
    return KINDS.get(subtype, "bot_message" if message.get("bot_id") else "message")


def event_rows(
    incident_id: int, channel: ExportChannel, messages: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    now = utcnow()
    for message in messages:
        ts = str(message["ts"])
        thread_ts = message.get("thread_ts")
        edited = message.get("edited") or {}
        data: dict[str, Any] = {"imported": True}
        if message.get("subtype"):
            data["subtype"] = message["subtype"]
        if message.get("reply_count"):
            data["reply_count"] = message["reply_count"]
        yield {
            "incident_id": incident_id,
            "kind": kind_of(message),
            "channel_id": channel.id,
            "ts": ts,
            "thread_ts": str(thread_ts) if thread_ts and thread_ts != ts else None,
            "user_id": message.get("user"),
            "bot_id": message.get("bot_id"),
            "text": message_text(message),
            "data": data,
            "occurred_at": occurred_at(ts),
            "recorded_at": now,
            "edited_at": occurred_at(edited["ts"]) if ts_value(edited.get("ts")) else None,
            "is_key": False,
            "categories": [],
        }
