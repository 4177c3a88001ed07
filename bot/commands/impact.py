"""``/incident impact``: record the business impact in a form."""

from __future__ import annotations

import json

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from core import lifecycle


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
    ctx.open_view(view, "the impact form")


def register(router: Router) -> None:
    router.add(
        Subcommand(
            "impact",
            "impact",
            "record users affected, customer tier, revenue, tickets and services",
            impact,
        )
    )
