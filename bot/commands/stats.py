"""``/incident stats [30d|90d|quarter]``: counts, response times, repeats, load, with charts."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand, always
from bot.workflows.sharing import Upload, post_here_or_dm
from core.analytics import charts, stats
from core.analytics.periods import parse_period
from storage.types import utcnow


def show_stats(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    now = utcnow()
    period = parse_period(ctx.args, now)
    with ctx.services.db.session() as session:
        result = stats.compute(
            session,
            ctx.team_id,
            period,
            config.severities,
            config.analytics,
            now=now,
            window_days=config.action_items.completion_window_days,
        )
    drawn = charts.all_charts(result, config.severities.keys)
    message = ctx.services.templates.message(
        "messages/stats.json.j2", stats=result, charts=len(drawn), user=ctx.user_id
    )
    uploads = [Upload(c.filename, c.title, c.png) for c in drawn]
    posted, in_dm = post_here_or_dm(ctx.client, ctx.channel_id, ctx.user_id, message, uploads)
    if in_dm or posted.problem:
        ctx.reply("messages/stats_delivered.json.j2", posted=posted, in_dm=in_dm)


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="stats",
            usage="stats [30d|90d|quarter]",
            summary="incident counts, response times, repeats and responder load, with charts",
            handler=show_stats,
            aliases=("insights",),
            expensive=always,
        )
    )
