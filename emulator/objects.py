"""Slack's object shapes (user, conversation, file, message) built from state.

Kept apart from the handlers so every method answers with the same shape, the
way Slack's own objects are shared between methods.
"""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from emulator.state import Channel, StoredFile, User, Workspace

PERMALINK_BASE = "https://emulator.slack"

_FILETYPES = {
    "txt": "text",
    "md": "markdown",
    "json": "json",
    "csv": "csv",
    "png": "png",
    "jpg": "jpg",
    "jpeg": "jpg",
    "gif": "gif",
    "pdf": "pdf",
    "html": "html",
    "yaml": "yaml",
    "yml": "yaml",
    "log": "text",
    "py": "python",
    "zip": "zip",
}


def user_object(ws: Workspace, user: User) -> dict[str, Any]:
    """users.info / users.list shape."""
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.display_name,
        "display_name_normalized": user.display_name,
        "team": ws.team_id,
        "image_48": f"{PERMALINK_BASE}/avatars/{user.id}_48.png",
    }
    if user.email is not None:
        profile["email"] = user.email
    if user.bot_id:
        profile["bot_id"] = user.bot_id
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz_label,
        "tz_offset": user.tz_offset,
        "is_admin": user.is_admin,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": int(time.time()),
        "profile": profile,
    }


def channel_object(ws: Workspace, channel: Channel) -> dict[str, Any]:
    """The conversation object conversations.* methods return."""
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.im_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_mpim,
        "is_group": False,
        "is_im": False,
        "is_mpim": channel.is_mpim,
        "is_private": channel.is_private or channel.is_mpim,
        "is_archived": channel.is_archived,
        "is_general": False,
        "is_shared": False,
        "is_ext_shared": False,
        "is_org_shared": False,
        "created": channel.created,
        "creator": channel.creator,
        "is_member": ws.bot_user_id in channel.members,
        "num_members": len(channel.members),
        "topic": {"value": channel.topic, **channel.topic_meta},
        "purpose": {"value": channel.purpose, **channel.purpose_meta},
        "properties": {"canvas": {"file_id": channel.canvas["id"], "is_empty": False}}
        if channel.canvas
        else {},
    }


def filetype_of(name: str) -> str:
    """Slack's short file type from the extension (``txt`` -> ``text``)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _FILETYPES.get(ext, ext or "binary")


def _kind(ws: Workspace, channel_id: str) -> str:
    channel = ws.channels.get(channel_id)
    if channel is not None and channel.is_im:
        return "im"
    if channel is not None and (channel.is_private or channel.is_mpim):
        return "group"
    return "channel"


def file_object(ws: Workspace, stored: StoredFile) -> dict[str, Any]:
    """files.info shape (and the entries of a file-share message)."""
    shares: dict[str, Any] = {}
    for channel_id, timestamps in stored.shares.items():
        channel = ws.channels.get(channel_id)
        kind = (
            "private" if channel is not None and (channel.is_private or channel.is_im) else "public"
        )
        shares.setdefault(kind, {})[channel_id] = [{"ts": ts} for ts in timestamps]
    return {
        "id": stored.id,
        "created": stored.created,
        "timestamp": stored.created,
        "name": stored.name,
        "title": stored.title or stored.name,
        "mimetype": mimetypes.guess_type(stored.name)[0] or "application/octet-stream",
        "filetype": stored.filetype,
        "pretty_type": stored.filetype.capitalize(),
        "user": ws.bot_user_id,
        "size": len(stored.content or b""),
        "mode": "hosted",
        "is_external": False,
        "is_public": bool(shares.get("public")),
        "url_private": f"{PERMALINK_BASE}/files-pri/{ws.team_id}-{stored.id}/{stored.name}",
        "permalink": f"{PERMALINK_BASE}/files/{ws.bot_user_id}/{stored.id}/{stored.name}",
        "channels": [c for c in stored.channels if _kind(ws, c) == "channel"],
        "groups": [c for c in stored.channels if _kind(ws, c) == "group"],
        "ims": [c for c in stored.channels if _kind(ws, c) == "im"],
        "shares": shares,
    }


def bot_message(ws: Workspace, ts: str, text: str) -> dict[str, Any]:
    """A message as Slack records one posted with the bot token."""
    return {
        "type": "message",
        "ts": ts,
        "user": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "text": text,
        "team": ws.team_id,
        "bot_profile": {
            "id": ws.bot_id,
            "app_id": ws.app_id,
            "name": ws.bot_user.name,
            "team_id": ws.team_id,
            "deleted": False,
        },
    }


def user_message(ws: Workspace, ts: str, user_id: str, text: str) -> dict[str, Any]:
    """A message a person typed (seeded by tests)."""
    return {"type": "message", "ts": ts, "user": user_id, "text": text, "team": ws.team_id}


def permalink(channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """Slack's permalink form: /archives/<channel>/p<ts without the dot>."""
    link = f"{PERMALINK_BASE}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link
