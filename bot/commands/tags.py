"""``/incident tag [INC-n] [cause:<category>] [tag ...] [-tag ...]``."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows.insights import post_patterns
from bot.workflows.visibility import Visibility
from core import incidents, lifecycle
from core.analytics import tagging
from core.errors import NotFound
from storage.models import Incident

log = logging.getLogger(__name__)


def tag(ctx: CommandContext) -> None:
    categories = ctx.services.settings.config.analytics.root_cause_categories
    change = tagging.parse(ctx.args, categories)
    with ctx.services.db.session(write=False) as session:
        if change.number is not None:
            incident = incidents.get_by_number(session, ctx.team_id, change.number)
        else:
            incident = ctx.incident_here(session)
        incident_id = incident.id
    # Asked before the writing transaction opens: it may take a call to Slack.
    if change.number is not None and not Visibility(ctx.services, ctx.client, ctx.user_id).can_see(
        incident
    ):
        raise NotFound(f"There is no incident INC-{change.number}.")
    config = ctx.services.settings.config
    with ctx.services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        if not change.empty:  # looking at the tags is open to anyone who can see the incident
            lifecycle.check_permission(
                session, incident, lifecycle.TAG, ctx.user_id, config.lifecycle, config.roles
            )
        changed = False if change.empty else tagging.apply(session, incident, change, ctx.user_id)
    ctx.reply(
        "messages/tagged.json.j2",
        incident=incident,
        changed=changed,
        asked=not change.empty,
        categories=categories,
        command=ctx.command,
    )
    if changed and change.category:
        try:
            post_patterns(ctx.services, ctx.client, incident_id)
        except SlackApiError as exc:
            log.warning("pattern notice for incident %s not posted: %s", incident_id, exc)


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="tag",
            usage="tag [INC-n] [cause:<category>] [tag ...] [-tag ...]",
            summary="set the root-cause category and tags that stats and patterns count",
            handler=tag,
            aliases=("tags",),
        )
    )
