"""``/incident list``: the open incidents of this workspace."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows.visibility import Visibility
from core import incidents


def list_open(ctx: CommandContext) -> None:
    with ctx.services.db.session(write=False) as session:
        statuses = ctx.services.settings.config.lifecycle.statuses
        rows = incidents.list_open(session, ctx.team_id, statuses)
    # Private incidents are listed to their members only, by the rule search uses; asking
    # Slack who is in a channel happens with no transaction open.
    visible = Visibility(ctx.services, ctx.client, ctx.user_id)
    ctx.reply("messages/incident_list.json.j2", incidents=[i for i in rows if visible(i)])


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
