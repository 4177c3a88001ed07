"""``/incident search <words>``: ranked full-text search over past incidents."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand, always
from bot.workflows.visibility import Visibility
from core.analytics import finder


def search(ctx: CommandContext) -> None:
    visible = Visibility(ctx.services, ctx.client, ctx.user_id)
    with ctx.services.db.session() as session:
        results = finder.find(session, ctx.args, ctx.team_id, visible)
        ctx.reply("messages/search_results.json.j2", query=ctx.args, results=results)


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="search",
            usage='search <words> ("phrase", OR, -word)',
            summary="find past incidents by title, summary, timeline and postmortem",
            handler=search,
            aliases=("find",),
            expensive=always,
        )
    )
