"""A JSON-able picture of the workspace, for ``GET /_emulator/state`` in local development."""

from __future__ import annotations

from typing import Any

from emulator.objects import user_object
from emulator.state import Workspace


def workspace_dump(ws: Workspace) -> dict[str, Any]:
    """Users, channels with their messages and threads, views, files and interaction records."""
    return {
        "team_id": ws.team_id,
        "bot_user_id": ws.bot_user_id,
        "users": [user_object(ws, u) for u in ws.users.values()],
        "channels": [
            {
                "id": c.id,
                "name": c.name,
                "is_private": c.is_private,
                "is_archived": c.is_archived,
                "is_im": c.is_im,
                "im_user": c.im_user,
                "creator": c.creator,
                "members": sorted(c.members),
                "topic": c.topic,
                "purpose": c.purpose,
                "pins": c.pins,
                "messages": c.messages,
                "replies": c.replies,
                "canvas": c.canvas,
                "bookmarks": c.bookmarks,
            }
            for c in ws.channels.values()
        ],
        "views": list(ws.views.values()),
        "home_views": ws.home_views,
        "files": [
            {
                "id": f.id,
                "name": f.name,
                "title": f.title,
                "filetype": f.filetype,
                "size": len(f.content or b""),
                "channels": f.channels,
                "completed": f.completed,
            }
            for f in ws.files.values()
        ],
        "ephemerals": ws.ephemerals,
        "responses": ws.responses,
        "internal_errors": ws.internal_errors,
    }
