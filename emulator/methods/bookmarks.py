"""bookmarks.add/list — links pinned to a channel's header (e.g. the incident doc)."""

from __future__ import annotations

import time
from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.common import visible_channel
from emulator.methods.registry import Ctx, method


@method("bookmarks.add")
def add(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Only ``link`` bookmarks, with an http(s) link."""
    channel = visible_channel(ctx, args.str("channel_id"))
    if args.str("type") != "link":
        raise SlackError("invalid_bookmark_type")
    link = args.str("link")
    if not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")
    now = int(time.time())
    bookmark = {
        "id": ctx.ws.new_id("Bk"),
        "channel_id": channel.id,
        "title": args.str("title"),
        "link": link,
        "emoji": args.str("emoji") or None,
        "icon_url": None,
        "type": "link",
        "entity_id": None,
        "date_created": now,
        "date_updated": now,
        "rank": str(len(channel.bookmarks)),
        "last_updated_by_user_id": ctx.caller,
        "last_updated_by_team_id": ctx.ws.team_id,
        "shortcut_id": None,
        "app_id": ctx.ws.app_id,
    }
    channel.bookmarks.append(bookmark)
    return {"bookmark": bookmark}


@method("bookmarks.list")
def list_bookmarks(ctx: Ctx, args: Args) -> dict[str, Any]:
    """A channel's bookmarks, in the order added."""
    channel = visible_channel(ctx, args.str("channel_id"))
    return {"bookmarks": channel.bookmarks}
