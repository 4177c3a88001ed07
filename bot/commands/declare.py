"""``/incident declare [sevN] [title]``."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.listeners.declare_modal import open_modal
from bot.workflows import declare as declare_flow
from bot.workflows.catalog import split_service_prefix
from bot.workflows.declare_progress import ResponseUrlReply
from core.incidents import DeclareRequest


def parse(args: str, severity_keys: list[str]) -> tuple[str | None, str]:
    """Split ``sev1 Checkout down`` into (``SEV1``, ``Checkout down``).

    Only a severity key counts, so a title that starts with "High" stays a title.
    """
    first, _, rest = args.strip().partition(" ")
    normalized = first.upper().replace("-", "")
    if normalized in severity_keys:
        return normalized, rest.strip()
    return None, args.strip()


def declare(ctx: CommandContext) -> None:
    severities = ctx.services.settings.config.severities
    severity, title = parse(ctx.args, severities.keys)
    if not title:
        open_modal(ctx.services, ctx.client, ctx.trigger_id, origin_channel=ctx.channel_id)
        return
    # "payments: card declines" names a catalog service; other colons stay in the title.
    service, title = split_service_prefix(title, ctx.services.settings.config.catalog)
    request = DeclareRequest(
        team_id=ctx.team_id,
        title=title,
        severity=severity,
        services=[service] if service else [],
        declared_by=ctx.user_id,
        is_private=ctx.services.settings.config.channels.private_by_default,
    )
    declare_flow.declare(ctx.services, ctx.client, request, ResponseUrlReply(ctx.respond))


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="declare",
            usage="declare [sev1-sev4] [service:] <title>",
            summary="open an incident with its own channel (no title opens a form)",
            handler=declare,
            aliases=("new", "open"),
        )
    )
