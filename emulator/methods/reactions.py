"""reactions.* — emoji reactions on messages, kept on the message like Slack."""

from __future__ import annotations

from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.common import visible_channel
from emulator.methods.registry import Ctx, method


def _target(ctx: Ctx, args: Args) -> dict[str, Any]:
    if not args.has("channel") or not args.has("timestamp"):
        raise SlackError("no_item_specified")
    channel = visible_channel(ctx, args.str("channel"))
    message = channel.find_message(args.str("timestamp"))
    if message is None:
        raise SlackError("message_not_found")
    return message


def _name(args: Args) -> str:
    name = args.str("name").strip(":")
    if not name or " " in name:
        raise SlackError("invalid_name")
    return name


@method("reactions.add")
def add(ctx: Ctx, args: Args) -> dict[str, Any]:
    """One reaction per user and emoji."""
    name = _name(args)
    channel = visible_channel(ctx, args.str("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    message = _target(ctx, args)
    reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
    entry = next((r for r in reactions if r["name"] == name), None)
    if entry is None:
        entry = {"name": name, "users": [], "count": 0}
        reactions.append(entry)
    if ctx.caller in entry["users"]:
        raise SlackError("already_reacted")
    entry["users"].append(ctx.caller)
    entry["count"] = len(entry["users"])
    return {}


@method("reactions.remove")
def remove(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Remove the bot's reaction; none there answers ``no_reaction``."""
    name = _name(args)
    message = _target(ctx, args)
    reactions: list[dict[str, Any]] = message.get("reactions", [])
    entry = next((r for r in reactions if r["name"] == name and ctx.caller in r["users"]), None)
    if entry is None:
        raise SlackError("no_reaction")
    entry["users"].remove(ctx.caller)
    entry["count"] = len(entry["users"])
    message["reactions"] = [r for r in reactions if r["count"]]
    if not message["reactions"]:
        del message["reactions"]
    return {}


@method("reactions.get")
def get(ctx: Ctx, args: Args) -> dict[str, Any]:
    """The message with its reactions."""
    message = _target(ctx, args)
    return {"type": "message", "channel": args.str("channel"), "message": message}
