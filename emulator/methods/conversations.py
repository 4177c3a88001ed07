"""conversations.* — channel lifecycle, membership and channel settings.

Reading methods (history, replies, list, members) live in ``reading.py``.
"""

from __future__ import annotations

import time
from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.events import emit, member_joined
from emulator.methods.common import not_im, rename_check, require_member, visible_channel
from emulator.methods.registry import Ctx, method
from emulator.objects import channel_object
from emulator.state import Channel

MAX_TOPIC = 250
MAX_PURPOSE = 250
MAX_MPIM_USERS = 8


def open_im(ctx: Ctx, user_id: str) -> Channel:
    """The bot's DM with a user, created on first use like Slack does."""
    channel = ctx.ws.im_with(user_id)
    if channel is None:
        channel = Channel(
            id=ctx.ws.new_id("D"),
            name=user_id,
            is_im=True,
            im_user=user_id,
            members={ctx.caller, user_id},
            creator=ctx.caller,
        )
        ctx.ws.channels[channel.id] = channel
    return channel


@method("conversations.create")
def create(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Names follow Slack's rules and are unique, archived channels included."""
    name = args.str("name")
    rename_check(name)
    if ctx.ws.channel_named(name) is not None:
        raise SlackError("name_taken")
    channel = Channel(
        id=ctx.ws.new_id("C"),
        name=name,
        is_private=args.bool("is_private"),
        creator=ctx.caller,
        members={ctx.caller},
    )
    ctx.ws.channels[channel.id] = channel
    emit(ctx.ws, member_joined(ctx.ws, channel, ctx.caller))  # the creator is its first member
    return {"channel": channel_object(ctx.ws, channel)}


@method("conversations.rename")
def rename(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Same rules as create; the bot must be in the channel."""
    channel = visible_channel(ctx, args.str("channel"))
    not_im(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    require_member(ctx, channel)
    name = args.str("name")
    rename_check(name)
    other = ctx.ws.channel_named(name)
    if other is not None and other.id != channel.id:
        raise SlackError("name_taken")
    channel.name = name
    return {"channel": channel_object(ctx.ws, channel)}


@method("conversations.info")
def info(ctx: Ctx, args: Args) -> dict[str, Any]:
    """A channel the bot can see."""
    channel = visible_channel(ctx, args.str("channel"))
    return {"channel": channel_object(ctx.ws, channel)}


@method("conversations.invite")
def invite(ctx: Ctx, args: Args) -> dict[str, Any]:
    """All-or-nothing: one bad user fails the call and nobody is added."""
    channel = visible_channel(ctx, args.str("channel"))
    not_im(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    require_member(ctx, channel)
    users = args.csv("users")
    if not users:
        raise SlackError("no_user")
    for user_id in users:
        if user_id == ctx.caller:
            raise SlackError("cant_invite_self")
        user = ctx.ws.user(user_id)
        if user is None or user.deleted:
            raise SlackError(
                "user_not_found", errors=[{"user": user_id, "ok": False, "error": "user_not_found"}]
            )
        if user_id in channel.members:
            raise SlackError(
                "already_in_channel",
                errors=[{"user": user_id, "ok": False, "error": "already_in_channel"}],
            )
    channel.members.update(users)
    for user_id in users:
        emit(ctx.ws, member_joined(ctx.ws, channel, user_id, inviter=ctx.caller))
    return {"channel": channel_object(ctx.ws, channel)}


@method("conversations.join")
def join(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Bots can join public channels only (a private one is invisible to them)."""
    channel = visible_channel(ctx, args.str("channel"))
    not_im(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    if ctx.caller in channel.members:
        return {
            "channel": channel_object(ctx.ws, channel),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    channel.members.add(ctx.caller)
    emit(ctx.ws, member_joined(ctx.ws, channel, ctx.caller))
    return {"channel": channel_object(ctx.ws, channel)}


@method("conversations.kick")
def kick(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Remove someone else from a channel the bot is in."""
    channel = visible_channel(ctx, args.str("channel"))
    not_im(channel)
    require_member(ctx, channel)
    user_id = args.str("user")
    if user_id == ctx.caller:
        raise SlackError("cant_kick_self")
    if ctx.ws.user(user_id) is None:
        raise SlackError("user_not_found")
    if user_id not in channel.members:
        raise SlackError("not_in_channel")
    channel.members.discard(user_id)
    return {}


@method("conversations.leave")
def leave(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Slack answers ok with ``not_in_channel: true`` when already out."""
    channel = visible_channel(ctx, args.str("channel"))
    not_im(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    if ctx.caller not in channel.members:
        return {"not_in_channel": True}
    if channel.is_private and channel.members == {ctx.caller}:
        raise SlackError("last_member")
    channel.members.discard(ctx.caller)
    return {}


@method("conversations.archive")
def archive(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Archived channels refuse posts, invites and topic changes."""
    channel = visible_channel(ctx, args.str("channel"))
    not_im(channel)
    if channel.is_archived:
        raise SlackError("already_archived")
    require_member(ctx, channel)
    channel.is_archived = True
    return {}


@method("conversations.unarchive")
def unarchive(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Undo archive."""
    channel = visible_channel(ctx, args.str("channel"))
    not_im(channel)
    if not channel.is_archived:
        raise SlackError("not_archived")
    channel.is_archived = False
    return {}


def _set_text(ctx: Ctx, args: Args, field: str, limit: int) -> dict[str, Any]:
    channel = visible_channel(ctx, args.str("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    require_member(ctx, channel)
    value = args.str(field)
    if len(value) > limit:
        raise SlackError("too_long")
    setattr(channel, field, value)
    meta = {"creator": ctx.caller, "last_set": int(time.time())}
    setattr(channel, f"{field}_meta", meta)
    return {"channel": channel_object(ctx.ws, channel), field: value}


@method("conversations.setTopic")
def set_topic(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Topic is at most 250 characters; "" clears it."""
    return _set_text(ctx, args, "topic", MAX_TOPIC)


@method("conversations.setPurpose")
def set_purpose(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Purpose (channel description)."""
    return _set_text(ctx, args, "purpose", MAX_PURPOSE)


@method("conversations.open")
def open_conversation(ctx: Ctx, args: Args) -> dict[str, Any]:
    """IM for one user ("D..."), MPIM for 2-8; reopening answers ``already_open``."""
    if args.has("channel"):
        channel = visible_channel(ctx, args.str("channel"))
        return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
    users = [u for u in args.csv("users") if u != ctx.caller]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > MAX_MPIM_USERS:
        raise SlackError("too_many_users")
    for user_id in users:
        if ctx.ws.user(user_id) is None:
            raise SlackError("user_not_found")
    if len(users) == 1:
        existing = ctx.ws.im_with(users[0])
        channel = open_im(ctx, users[0])
    else:
        members = {ctx.caller, *users}
        existing = next(
            (c for c in ctx.ws.channels.values() if c.is_mpim and c.members == members), None
        )
        channel = existing or Channel(
            id=ctx.ws.new_id("C"),
            is_private=True,
            is_mpim=True,
            members=members,
            creator=ctx.caller,
            name="mpdm-" + "--".join(sorted(ctx.ws.users[u].name for u in members)) + "-1",
        )
        ctx.ws.channels[channel.id] = channel
    body: dict[str, Any] = {
        "channel": channel_object(ctx.ws, channel) if args.bool("return_im") else {"id": channel.id}
    }
    if existing is not None:
        body.update({"no_op": True, "already_open": True})
    return body
