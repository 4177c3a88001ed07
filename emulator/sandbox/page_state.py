"""What the page shows one person: their channels, one channel in full, their modal and Home.

Built as JSON text under the workspace lock, so the page never sees a half
change and nothing it gets can alias the live state.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.sandbox.ephemerals import Ephemerals
from emulator.sandbox.people import visible_to
from emulator.state import Channel, User, Workspace


def _person(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "real_name": user.real_name,
        "display_name": user.display_name,
        "tz": user.tz,
        "email": user.email,
        "is_bot": user.is_bot,
    }


def _summary(ws: Workspace, channel: Channel, me: str) -> dict[str, Any]:
    latest = channel.messages[-1]["ts"] if channel.messages else ""
    for replies in channel.replies.values():
        if replies and replies[-1]["ts"] > latest:
            latest = replies[-1]["ts"]
    return {
        "id": channel.id,
        "name": channel.name,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_im": channel.is_im,
        "im_user": channel.im_user,
        "is_member": me in channel.members,
        "member_count": len(channel.members),
        "members": sorted(channel.members),
        "topic": channel.topic,
        "purpose": channel.purpose,
        "pins": list(channel.pins),
        "has_canvas": channel.canvas is not None,
        "latest": latest,
        "created": channel.created,
    }


def page_state(
    ws: Workspace,
    ephemerals: Ephemerals,
    me: str,
    channel_id: str,
    extra: dict[str, Any],
) -> str:
    """The page's JSON for person ``me`` looking at ``channel_id`` (may be "")."""
    with ws.lock:
        channels = [
            _summary(ws, c, me)
            for c in sorted(ws.channels.values(), key=lambda c: (c.created, c.id))
            if visible_to(c, me)
        ]
        current = ws.channels.get(channel_id)
        detail: dict[str, Any] | None = None
        if current is not None and visible_to(current, me):
            detail = {
                "id": current.id,
                "messages": current.messages,
                "replies": current.replies,
                "canvas": current.canvas,
                "ephemerals": ephemerals.for_user(me, current.id),
            }
        stack = ws.view_stacks.get(me, [])
        modal = ws.views.get(stack[-1]) if stack else None
        state = {
            **extra,
            "team": {"id": ws.team_id, "name": ws.team_name},
            "bot": {"id": ws.bot_user_id, "name": ws.bot_user.real_name or ws.bot_user.name},
            "me": me,
            "users": [_person(u) for u in ws.users.values() if not u.deleted],
            "channels": channels,
            "channel": detail,
            "modal": modal,
            "modal_depth": len(stack),
            "home": ws.home_views.get(me),
        }
        return json.dumps(state)
