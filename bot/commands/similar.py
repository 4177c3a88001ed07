"""``/incident similar [description]``: past incidents like this one, and what fixed them."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand, always
from bot.workflows import insights  # noqa: F401  (registers the declare-time hook)
from bot.workflows.visibility import Visibility
from core import incidents
from core.analytics import similar
from core.errors import InvalidInput


def show_similar(ctx: CommandContext) -> None:
    limit = max(ctx.services.settings.config.analytics.similar_limit, 5)
    with ctx.services.db.session(write=False) as session:
        incident = incidents.get_by_channel(session, ctx.channel_id)
        if ctx.args:
            profile = similar.Profile(team_id=ctx.team_id, title=ctx.args)
            moment = "words"
        elif incident is not None:
            profile = similar.Profile.of(incident)
            moment = "here"
        else:
            raise InvalidInput(
                f"Run `{ctx.command} similar` in an incident channel, or describe what you "
                f"see: `{ctx.command} similar checkout timeouts after deploy`."
            )
        scored = similar.ranked(session, profile)
    # Who may see a private incident can take a call to Slack: no transaction is open.
    visible = Visibility(ctx.services, ctx.client, ctx.user_id)
    found = [s for s in scored if visible(s.incident)][:limit]
    with ctx.services.db.session() as session:
        similar.add_details(session, found)
    ctx.reply(
        "messages/similar.json.j2",
        items=found,
        incident=incident,
        moment=moment,
        words=ctx.args,
    )


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="similar",
            usage="similar [description]",
            summary="past incidents like this one (or like your description), and what fixed them",
            handler=show_similar,
            expensive=always,
        )
    )
