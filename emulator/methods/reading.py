"""conversations.history/replies/list/members and users.conversations, paginated.

History is newest first and replies oldest first (parent always first), as
Slack serves them; cursors are opaque and pages really are split, so a bot that
ignores ``next_cursor`` loses data here as it would in production.
"""

from __future__ import annotations

import time
from typing import Any

from emulator import pagination
from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.common import require_member, visible_channel
from emulator.methods.registry import Ctx, method
from emulator.objects import channel_object
from emulator.state import Channel
from emulator.timeline import ts_key, window

HISTORY_DEFAULT = 100
HISTORY_MAX = 999
LIST_DEFAULT = 100
LIST_MAX = 1000
TYPES = ("public_channel", "private_channel", "mpim", "im")


def _bounds(args: Args) -> tuple[int, int, bool]:
    try:
        latest = (
            ts_key(args.str("latest")) if args.has("latest") else int((time.time() + 1) * 1_000_000)
        )
    except ValueError:
        raise SlackError("invalid_ts_latest") from None
    try:
        oldest = ts_key(args.str("oldest")) if args.has("oldest") else 0
    except ValueError:
        raise SlackError("invalid_ts_oldest") from None
    return oldest, latest, args.bool("inclusive")


def _limit(args: Args, default: int, maximum: int, code: str | None = None) -> int:
    limit = args.int("limit", default)
    if limit <= 0:
        return default
    if limit > maximum:
        if code:
            raise SlackError(code)
        return maximum
    return limit


def _after_cursor(
    messages: list[dict[str, Any]], cursor: str, newest_first: bool
) -> list[dict[str, Any]]:
    """Messages from the cursor's ts onward in the list's order (stable if messages come and go)."""
    if not cursor:
        return messages
    try:
        start = ts_key(pagination.decode(cursor, "next_ts"))
    except ValueError:
        raise SlackError("invalid_cursor") from None
    if newest_first:
        return [m for m in messages if ts_key(m["ts"]) <= start]
    return [m for m in messages if ts_key(m["ts"]) >= start]


def _strip(message: dict[str, Any], keep_metadata: bool) -> dict[str, Any]:
    return message if keep_metadata else {k: v for k, v in message.items() if k != "metadata"}


@method("conversations.history")
def history(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Top-level messages (and broadcasts), newest first, paginated by ts."""
    channel = visible_channel(ctx, args.str("channel"))
    require_member(ctx, channel)
    oldest, latest, inclusive = _bounds(args)
    limit = _limit(args, HISTORY_DEFAULT, HISTORY_MAX)
    chosen = list(reversed(window(channel.messages, oldest, latest, inclusive)))
    chosen = _after_cursor(chosen, args.str("cursor"), newest_first=True)
    page, rest = chosen[:limit], chosen[limit:]
    keep = args.bool("include_all_metadata")
    body: dict[str, Any] = {
        "messages": [_strip(m, keep) for m in page],
        "has_more": bool(rest),
        "pin_count": len(channel.pins),
    }
    body.update(pagination.metadata(pagination.encode("next_ts", rest[0]["ts"]) if rest else ""))
    return body


@method("conversations.replies")
def replies(ctx: Ctx, args: Args) -> dict[str, Any]:
    """A thread: the parent first on every page, then replies oldest first."""
    channel = visible_channel(ctx, args.str("channel"))
    ts = args.str("ts")
    parent_ts = channel.parent_of(ts) or ts
    parent = channel.top_level(parent_ts)
    if parent is None:
        raise SlackError("thread_not_found")
    oldest, latest, inclusive = _bounds(args)
    limit = _limit(args, LIST_DEFAULT, LIST_MAX)
    thread = window(channel.replies.get(parent_ts, []), oldest, latest, inclusive)
    thread = _after_cursor(thread, args.str("cursor"), newest_first=False)
    page, rest = thread[:limit], thread[limit:]
    keep = args.bool("include_all_metadata")
    body: dict[str, Any] = {
        "messages": [_strip(m, keep) for m in [parent, *page]],
        "has_more": bool(rest),
    }
    body.update(pagination.metadata(pagination.encode("next_ts", rest[0]["ts"]) if rest else ""))
    return body


def _kind(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    if channel.is_mpim:
        return "mpim"
    return "private_channel" if channel.is_private else "public_channel"


def _types(args: Args) -> set[str]:
    types = set(args.csv("types")) or {"public_channel"}
    if not types <= set(TYPES):
        raise SlackError("invalid_types")
    return types


def _listing(ctx: Ctx, args: Args, member: str | None) -> dict[str, Any]:
    types = _types(args)
    limit = _limit(args, LIST_DEFAULT, LIST_MAX, "invalid_limit")
    chosen = []
    for channel in ctx.ws.channels.values():
        private = channel.is_private or channel.is_im or channel.is_mpim
        if _kind(channel) not in types or (private and ctx.caller not in channel.members):
            continue
        if args.bool("exclude_archived") and channel.is_archived:
            continue
        if member is not None and member not in channel.members:
            continue
        chosen.append(channel)
    page, next_cursor = pagination.page(chosen, args.str("cursor"), limit)
    body: dict[str, Any] = {"channels": [channel_object(ctx.ws, c) for c in page]}
    body.update(pagination.metadata(next_cursor))
    return body


@method("conversations.list")
def list_conversations(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Channels of the asked types the bot can see (default: public only)."""
    return _listing(ctx, args, None)


@method("users.conversations")
def user_conversations(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Channels a user (default: the bot) is in."""
    return _listing(ctx, args, args.str("user") or ctx.caller)


@method("conversations.members")
def members(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Member ids, sorted, paginated."""
    channel = visible_channel(ctx, args.str("channel"))
    limit = _limit(args, LIST_DEFAULT, LIST_MAX, "invalid_limit")
    page, next_cursor = pagination.page(sorted(channel.members), args.str("cursor"), limit)
    body: dict[str, Any] = {"members": page}
    body.update(pagination.metadata(next_cursor))
    return body
