"""``/incident list``: the open incidents of this workspace."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from core import incidents


def list_open(ctx: CommandContext) -> None:
    with ctx.services.db.session(write=False) as session:
        statuses = ctx.services.settings.config.lifecycle.statuses
        rows = incidents.list_open(session, ctx.team_id, statuses)
        visible = [i for i in rows if not i.is_private or _is_member(ctx, i.channel_id)]
    ctx.reply("messages/incident_list.json.j2", incidents=visible)


def _is_member(ctx: CommandContext, channel_id: str | None) -> bool:
    """Private incidents are listed only to people in their channel."""
    if channel_id is None:
        return False
    cursor = None
    while True:
        page = ctx.client.conversations_members(channel=channel_id, limit=500, cursor=cursor)
        if ctx.user_id in page["members"]:
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return False


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="list",
            usage="list",
            summary="show open incidents",
            handler=list_open,
            aliases=("ls",),
        )
    )
