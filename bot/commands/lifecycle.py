"""``/incident status|sev|resolve|close|reopen|milestone``: moving an incident through its life."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot import users
from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows import lifecycle as lifecycle_flow
from core import lifecycle, milestones
from core.errors import InvalidInput
from core.lifecycle import Change
from core.transactions import run_retrying
from core.when import parse_when
from storage.models import Incident
from storage.types import utcnow

Mutation = Callable[[Session, Incident], Change]


def apply(ctx: CommandContext, action: str | Callable[[Incident], str], mutate: Mutation) -> Change:
    """Check the caller may, store the change with its timeline event, then tell Slack.

    Two people often act at once; a change that lost the race is run again on
    the winner's state, so the loser hears "already resolved by ..." and the
    change, its announcement and its hooks happen once.
    """
    config = ctx.services.settings.config

    def work(session: Session) -> Change:
        incident = ctx.incident_here(session)
        needed = action(incident) if callable(action) else action
        lifecycle.check_permission(
            session, incident, needed, ctx.user_id, config.lifecycle, config.roles
        )
        change = mutate(session, incident)
        milestones.record_first_response(session, incident, ctx.user_id, utcnow())
        return change

    change = run_retrying(ctx.services.db, work)
    problems = lifecycle_flow.announce(ctx.services, ctx.client, change)
    if problems:
        ctx.reply(
            "messages/change_saved_with_problems.json.j2", what="The change", problems=problems
        )
    return change


def _split(args: str) -> tuple[str, str]:
    first, _, rest = args.strip().partition(" ")
    return first, rest.strip()


def status(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    target, note = _split(ctx.args)
    if not target:
        choices = "|".join(config.lifecycle.statuses.all)
        raise InvalidInput(
            f"Name the new status: `{ctx.command} status <{choices}> [note]`, "
            "e.g. `/incident status identified Bad deploy of pricing`."
        )
    name = lifecycle.parse_status(target, config.lifecycle.statuses)
    apply(
        ctx,
        lambda incident: lifecycle.action_for_status(incident, name, config.lifecycle.statuses),
        lambda session, incident: lifecycle.change_status(
            session, incident, name, ctx.user_id, note, config.lifecycle, config.severities
        ),
    )


def severity(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    target, reason = _split(ctx.args)
    key = lifecycle.parse_severity(target, config.severities)  # bad input fails before anything
    apply(
        ctx,
        lifecycle.SEVERITY,
        lambda session, incident: lifecycle.change_severity(
            session, incident, key, ctx.user_id, reason, config.lifecycle, config.severities
        ),
    )


def resolve(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    apply(
        ctx,
        lifecycle.RESOLVE,
        lambda session, incident: lifecycle.resolve(
            session, incident, ctx.user_id, ctx.args, config.lifecycle
        ),
    )


def close(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    apply(
        ctx,
        lifecycle.CLOSE,
        lambda session, incident: lifecycle.close(session, incident, ctx.user_id, config.lifecycle),
    )


def reopen(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    first, rest = _split(ctx.args)
    to_status = config.lifecycle.statuses.get(first) if first else None
    note = rest if to_status else ctx.args.strip()
    apply(
        ctx,
        lifecycle.REOPEN,
        lambda session, incident: lifecycle.reopen(
            session, incident, ctx.user_id, config.lifecycle, config.severities, to_status, note
        ),
    )


def milestone(ctx: CommandContext) -> None:
    kind_text, when_text = _split(ctx.args)
    kind = lifecycle.parse_milestone(kind_text)
    tz = users.user_tz(ctx.services, ctx.client, ctx.user_id)
    at = parse_when(when_text, utcnow(), tz)
    apply(
        ctx,
        "milestones",
        lambda session, incident: lifecycle.set_milestone_by_hand(
            session, incident, kind, at, ctx.user_id
        ),
    )


def register(router: Router) -> None:
    for sub in (
        Subcommand("status", "status <status> [note]", "move the incident to a new status", status),
        Subcommand(
            "sev", "sev <1-4> [reason]", "raise or lower the severity", severity, ("severity",)
        ),
        Subcommand("resolve", "resolve [summary]", "the impact is over; stops reminders", resolve),
        Subcommand("close", "close", "close a resolved incident once follow-up is done", close),
        Subcommand(
            "reopen", "reopen [status] [note]", "reopen a resolved or closed incident", reopen
        ),
        Subcommand(
            "milestone",
            "milestone <impact-started|acknowledged|mitigated> [when]",
            "record when impact started, was acknowledged or mitigated (e.g. `13:50`, `20m ago`)",
            milestone,
            ("mark",),
        ),
    ):
        router.add(sub)
