"""``/incident impact``: record the business impact in a form."""

from __future__ import annotations

import json

from slack_sdk.errors import SlackApiError

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows.slack_errors import explain
from core import lifecycle
from core.errors import InvalidInput


def impact(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    with ctx.services.db.session() as session:
        incident = ctx.incident_here(session)
        lifecycle.check_permission(
            session, incident, "impact", ctx.user_id, config.lifecycle, config.roles
        )
        view = ctx.services.templates.json(
            "views/impact_modal.json.j2",
            incident=incident,
            private_metadata=json.dumps({"incident_id": incident.id}),
        )
    try:
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
    except SlackApiError as exc:
        raise InvalidInput(f"Slack did not open the impact form: {explain(exc)}.") from None


def register(router: Router) -> None:
    router.add(
        Subcommand(
            "impact",
            "impact",
            "record users affected, customer tier, revenue, tickets and services",
            impact,
        )
    )
