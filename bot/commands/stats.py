"""``/incident stats [30d|90d|quarter]``: counts, response times, repeats, load, with charts."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand, always
from bot.workflows.sharing import Upload, post_here_or_dm
from bot.workflows.visibility import Visibility
from core.analytics import charts, privacy, stats
from core.analytics.periods import Period, parse_period
from core.analytics.stats import lookback
from storage.types import utcnow


def show_stats(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    now = utcnow()
    period = parse_period(ctx.args, now)
    hidden = _hidden_from_caller(ctx, period)
    with ctx.services.db.session(write=False) as session:
        result = stats.compute(
            session,
            ctx.team_id,
            period,
            config.severities,
            config.analytics,
            now=now,
            window_days=config.action_items.completion_window_days,
        )
    result = stats.for_viewer(result, hidden)
    drawn = charts.all_charts(result, config.severities.keys)
    message = ctx.services.templates.message(
        "messages/stats.json.j2", stats=result, charts=len(drawn), user=ctx.user_id
    )
    uploads = [Upload(c.filename, c.title, c.png) for c in drawn]
    posted, in_dm = post_here_or_dm(ctx.client, ctx.channel_id, ctx.user_id, message, uploads)
    if in_dm or posted.problem:
        ctx.reply("messages/stats_delivered.json.j2", posted=posted, in_dm=in_dm)


def _hidden_from_caller(ctx: CommandContext, period: Period) -> frozenset[int]:
    """Private incidents the numbers may count but must not name to this caller.

    Loaded first and judged after the session closes, because judging may page
    through a channel's members in Slack.
    """
    start, end = lookback(period)
    with ctx.services.db.session(write=False) as session:
        candidates = privacy.private_incidents(session, ctx.team_id, start, end)
    return privacy.hidden_from(candidates, Visibility(ctx.services, ctx.client, ctx.user_id))


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
