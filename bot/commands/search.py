"""``/incident search <words>``: ranked full-text search over past incidents."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand, always
from bot.workflows.visibility import Visibility
from core.analytics import finder
from core.analytics.similar import add_details


def search(ctx: CommandContext) -> None:
    # Three short transactions around the Slack calls (who may see a private
    # incident, then the reply), never one held open across them.
    with ctx.services.db.session(write=False) as session:
        pool = finder.candidates(session, ctx.args, ctx.team_id)
    results = finder.pick(pool, Visibility(ctx.services, ctx.client, ctx.user_id))
    with ctx.services.db.session(write=False) as session:
        add_details(session, results)
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
