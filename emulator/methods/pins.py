"""pins.* — pinning messages to a channel (files are not pinnable here)."""

from __future__ import annotations

import time
from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.common import is_ts, require_member, visible_channel
from emulator.methods.registry import Ctx, method
from emulator.state import Channel


def _timestamp(args: Args) -> str:
    if not args.has("timestamp"):
        raise SlackError("no_item_specified")
    ts = args.str("timestamp")
    if not is_ts(ts):
        raise SlackError("bad_timestamp")
    return ts


def _refresh_pinned_to(channel: Channel, ts: str) -> None:
    message = channel.find_message(ts)
    if message is None:
        return
    if ts in channel.pins:
        message["pinned_to"] = [channel.id]
    else:
        message.pop("pinned_to", None)


@method("pins.add")
def add(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Pin a message of this channel; the bot must be in the channel."""
    channel = visible_channel(ctx, args.str("channel"))
    require_member(ctx, channel)
    ts = _timestamp(args)
    message = channel.find_message(ts)
    if message is None or message.get("subtype") == "tombstone":
        raise SlackError("message_not_found")
    if ts in channel.pins:
        raise SlackError("already_pinned")
    channel.pins.append(ts)
    channel.pin_meta[ts] = {"created": int(time.time()), "created_by": ctx.caller}
    _refresh_pinned_to(channel, ts)
    return {}


@method("pins.remove")
def remove(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Unpin; a message that is not pinned answers ``not_pinned``."""
    channel = visible_channel(ctx, args.str("channel"))
    ts = _timestamp(args)
    if ts not in channel.pins:
        raise SlackError("not_pinned")
    channel.pins.remove(ts)
    channel.pin_meta.pop(ts, None)
    _refresh_pinned_to(channel, ts)
    return {}


@method("pins.list")
def list_pins(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Pinned items, most recently pinned first."""
    channel = visible_channel(ctx, args.str("channel"))
    items = []
    for ts in reversed(channel.pins):
        message = channel.find_message(ts)
        if message is None:
            continue
        meta = channel.pin_meta.get(ts, {})
        items.append({"type": "message", "channel": channel.id, "message": message, **meta})
    return {"items": items}
