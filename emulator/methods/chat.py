"""chat.* — posting, editing, deleting and linking messages."""

from __future__ import annotations

from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.common import message_content, visible_channel
from emulator.methods.conversations import open_im
from emulator.methods.registry import Ctx, method
from emulator.objects import bot_message, permalink
from emulator.state import Channel
from emulator.timeline import add_message, remove_message


def _post_target(ctx: Ctx, target: str) -> Channel:
    """chat.postMessage also takes a user id (posts to the app's DM) or a #name."""
    user = ctx.ws.user(target)
    if user is not None and target[:1] in "UW":
        return open_im(ctx, target)
    if not target[:1].isupper() or target.startswith("#"):
        named = ctx.ws.channel_named(target.lstrip("#"))
        if named is None:
            raise SlackError("channel_not_found")
        target = named.id
    return visible_channel(ctx, target)


def _metadata(args: Args) -> dict[str, Any] | None:
    metadata = args.json("metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return metadata


def _fill(
    message: dict[str, Any],
    text: str | None,
    blocks: list[Any] | None,
    attachments: list[Any] | None,
) -> None:
    if text is not None:
        message["text"] = text
    if blocks is not None:
        if blocks:
            message["blocks"] = blocks
        else:
            message.pop("blocks", None)
    if attachments is not None:
        if attachments:
            message["attachments"] = attachments
        else:
            message.pop("attachments", None)


@method("chat.postMessage")
def post_message(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Post as the bot; public channels need no membership (chat:write.public)."""
    channel = _post_target(ctx, args.str("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    if ctx.caller not in channel.members and not ctx.ws.chat_write_public:
        raise SlackError("not_in_channel")
    text, blocks, attachments = message_content(args)
    metadata = _metadata(args)
    message = bot_message(ctx.ws, ctx.ws.next_ts(), "")
    _fill(message, text or "", blocks, attachments)
    if metadata is not None:
        message["metadata"] = metadata
    for extra in ("username", "icon_emoji", "icon_url"):
        if args.has(extra):
            message[extra] = args.str(extra)
    add_message(channel, message, args.str("thread_ts") or None, args.bool("reply_broadcast"))
    return {"channel": channel.id, "ts": message["ts"], "message": message}


@method("chat.postEphemeral")
def post_ephemeral(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Only the named member sees it: Slack keeps no trace in the channel."""
    channel = visible_channel(ctx, args.str("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    user = args.str("user")
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = message_content(args)
    ts = ctx.ws.next_ts()
    ctx.ws.ephemerals.append(
        {
            "channel": channel.id,
            "user": user,
            "text": text or "",
            "blocks": blocks or [],
            "attachments": attachments or [],
            "thread_ts": args.str("thread_ts") or None,
            "ts": ts,
        }
    )
    return {"message_ts": ts}


def _own_message(ctx: Ctx, args: Args, refuse: str) -> tuple[Channel, dict[str, Any]]:
    channel = visible_channel(ctx, args.str("channel"))
    message = channel.find_message(args.str("ts"))
    if message is None or message.get("subtype") == "tombstone":
        raise SlackError("message_not_found")
    if message.get("user") != ctx.caller:
        raise SlackError(refuse)
    return channel, message


@method("chat.update")
def update(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Bots may edit only their own messages; omitted blocks are kept, as in Slack."""
    channel, message = _own_message(ctx, args, "cant_update_message")
    text, blocks, attachments = message_content(args)
    _fill(message, text, blocks, attachments)
    if args.has("metadata"):
        message["metadata"] = _metadata(args)
    message["edited"] = {"user": ctx.caller, "ts": ctx.ws.next_ts()}
    return {
        "channel": channel.id,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": message,
    }


@method("chat.delete")
def delete(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Bots may delete only their own messages."""
    channel, message = _own_message(ctx, args, "cant_delete_message")
    remove_message(channel, message["ts"])
    return {"channel": channel.id, "ts": message["ts"]}


@method("chat.getPermalink")
def get_permalink(ctx: Ctx, args: Args) -> dict[str, Any]:
    """A link in Slack's /archives/<C>/p<ts> form, with the thread for replies."""
    channel = visible_channel(ctx, args.str("channel"))
    ts = args.str("message_ts")
    if channel.find_message(ts) is None:
        raise SlackError("message_not_found")
    return {"channel": channel.id, "permalink": permalink(channel.id, ts, channel.parent_of(ts))}
