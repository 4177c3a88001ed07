"""``/incident services``: the service catalog, with owners, channels and runbooks."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows import catalog as catalog_flow  # noqa: F401  (registers the declare-time hook)
from bot.workflows import rules as rules_flow  # noqa: F401  (registers the rules' lifecycle hooks)


def list_services(ctx: CommandContext) -> None:
    catalog = ctx.services.settings.config.catalog
    wanted = ctx.args.strip().lower()
    shown = [s for s in catalog.services if not wanted or wanted in (s.key, s.team.lower())]
    ctx.reply(
        "messages/service_catalog.json.j2",
        services=shown,
        total=len(catalog.services),
        wanted=wanted,
        command=ctx.command,
    )


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="services",
            usage="services [service or team]",
            summary="list the service catalog: owners, channels, runbooks",
            handler=list_services,
            aliases=("catalog",),
        )
    )
