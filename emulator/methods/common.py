"""Checks many methods share: channel visibility, membership, message content.

Slack hides a private channel from a bot that is not in it (``channel_not_found``)
while a public one is visible but may need membership (``not_in_channel``);
centralising that keeps every method consistent.
"""

from __future__ import annotations

from typing import Any

from emulator.args import Args
from emulator.blocks import check_message_blocks
from emulator.errors import SlackError
from emulator.methods.registry import Ctx
from emulator.state import Channel

MAX_ATTACHMENTS = 100


def visible_channel(ctx: Ctx, channel_id: str, code: str = "channel_not_found") -> Channel:
    """The channel if the bot can see it (public, or private with the bot in it)."""
    channel = ctx.ws.channels.get(channel_id)
    if channel is None:
        raise SlackError(code)
    if (
        channel.is_private or channel.is_im or channel.is_mpim
    ) and ctx.caller not in channel.members:
        raise SlackError(code)
    return channel


def require_member(ctx: Ctx, channel: Channel) -> None:
    """Slack answers ``not_in_channel`` when the bot must be in a channel it can see."""
    if ctx.caller not in channel.members:
        raise SlackError("not_in_channel")


def not_im(channel: Channel) -> None:
    """Channel-only methods refuse IMs and MPIMs."""
    if channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")


def message_content(
    args: Args, require: bool = True
) -> tuple[str | None, list[Any] | None, list[Any] | None]:
    """Text, blocks and attachments of a chat.* call, validated like Slack does."""
    blocks = check_message_blocks(args.values.get("blocks"))
    attachments = args.json("attachments", error="invalid_arguments")
    if attachments is not None and (
        not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS
    ):
        raise SlackError(
            "too_many_attachments" if isinstance(attachments, list) else "invalid_arguments"
        )
    text = args.str("text") if "text" in args.values and args.values["text"] is not None else None
    if args.has("markdown_text"):
        if text or blocks:
            raise SlackError("markdown_text_conflict")
        text = args.str("markdown_text")
    if require and not text and not blocks and not attachments:
        raise SlackError("no_text")
    return text, blocks, attachments


def is_ts(value: str) -> bool:
    """A Slack timestamp looks like ``1700000000.000100``."""
    try:
        float(value)
    except ValueError:
        return False
    return True


def rename_check(name: str) -> None:
    """Slack's channel-name rules, shared by create and rename."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if any(not (c.isascii() and (c.islower() or c.isdigit() or c in "-_")) for c in name):
        raise SlackError("invalid_name_specials")
    if all(c in "-_" for c in name):
        raise SlackError("invalid_name_punctuation")
