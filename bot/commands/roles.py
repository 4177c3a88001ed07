"""``/incident role <role> @user`` and ``/incident roles``: who does what."""

from __future__ import annotations

import re

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows import role_handoff
from bot.workflows.role_handoff import TakeOver
from bot.workflows.slack_errors import error_code
from config.roles import INCIDENT_COMMANDER, Role
from core import lifecycle, milestones
from core import roles as core_roles
from core.errors import InvalidInput, NotFound
from core.transactions import run_retrying
from storage.models import RoleAssignment
from storage.types import utcnow

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
RELEASE_WORDS = {"none", "nobody", "-"}


def parse_role(ctx: CommandContext, text: str) -> Role:
    role = ctx.services.settings.config.roles.get(text) if text else None
    if role is None:
        choices = ", ".join(
            f"`{r.aliases[0] if r.aliases else r.key}` ({r.name})"
            for r in ctx.services.settings.config.roles.roles
        )
        raise InvalidInput(
            f"`{text or '(nothing)'}` is not a role. Roles: {choices}. "
            "Example: `/incident role deputy @dana`."
        )
    return role


def resolve_user(ctx: CommandContext, text: str) -> str:
    """A user id from a mention, an id, ``me`` or a name; checked with Slack."""
    text = text.strip()
    if not text:
        raise InvalidInput("Name the person: `/incident role <role> @person`, or `me`.")
    if text.lower() == "me":
        return ctx.user_id
    mention = _MENTION.match(text)
    user_id = mention.group(1) if mention else text if _USER_ID.match(text) else None
    if user_id is None:
        user_id = _find_by_name(ctx, text.lstrip("@"))
    try:
        user = ctx.client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if error_code(exc) in {"user_not_found", "user_not_visible"}:
            raise NotFound(
                f"{text} is not a person in this workspace. Mention them: "
                "`/incident role <role> @person`."
            ) from None
        raise
    if user.get("deleted"):
        raise InvalidInput(f"<@{user_id}> has been deactivated and cannot take a role.")
    if user.get("is_bot"):
        raise InvalidInput(f"<@{user_id}> is a bot; roles are for people.")
    return user_id


def _find_by_name(ctx: CommandContext, name: str) -> str:
    # Deactivated people are found too, so the check after can say so.
    found = ctx.services.user_directory.find(ctx.client, name, include_deleted=True)
    if found is None:
        raise NotFound(
            f"There is nobody called {name} in this workspace. Mention them: "
            "`/incident role <role> @person`."
        )
    return found


def assign_role(ctx: CommandContext) -> None:
    role_text, _, who = ctx.args.strip().partition(" ")
    if not role_text:
        raise InvalidInput(
            "Usage: `/incident role <role> @person`, e.g. `/incident role comms @dana`, or "
            "`/incident role ic me` to take command. `/incident roles` shows who holds what."
        )
    role = parse_role(ctx, role_text)
    config = ctx.services.settings.config
    with ctx.services.db.session() as session:
        ctx.incident_here(session)  # fail before any Slack look-up outside an incident
    releasing = who.strip().lower() in RELEASE_WORDS
    user_id = None if releasing else resolve_user(ctx, who)

    def work(session: Session) -> tuple[int, str | None, str | None, TakeOver | None]:
        incident = ctx.incident_here(session)
        lifecycle.check_permission(
            session, incident, "assign_roles", ctx.user_id, config.lifecycle, config.roles
        )
        milestones.record_first_response(session, incident, ctx.user_id, utcnow())
        blocked = lifecycle.takeover_blocked_by(
            session, incident, role.key, ctx.user_id, config.lifecycle
        )
        if blocked is not None and user_id is None and role.key != INCIDENT_COMMANDER:
            who = lifecycle.who_may_take_over(config.lifecycle, config.roles)
            raise lifecycle.release_refusal(incident, role.name, blocked, who)
        if blocked is not None and user_id is not None and blocked.user_id != user_id:
            # Not theirs to take: ask the holder's side, who answer with a button.
            asked = TakeOver(
                incident.id, role.key, user_id, ctx.user_id, blocked.id, blocked.user_id
            )
            return incident.id, None, None, asked
        if user_id is None:
            return incident.id, None, core_roles.release(session, incident, role, ctx.user_id), None
        previous = core_roles.hand_over(session, incident, role, user_id, ctx.user_id)
        return incident.id, previous, None, None

    # A handover that lost a race runs again on the winner's state.
    incident_id, previous, released, asked = run_retrying(ctx.services.db, work)
    if asked is not None:
        role_handoff.ask_to_take_over(ctx.services, ctx.client, asked)
        ctx.reply(
            "messages/role_request_sent.json.j2",
            request=asked,
            role=role,
            who=lifecycle.who_may_take_over(config.lifecycle, config.roles),
        )
        return
    if released is not None:
        problems = role_handoff.announce_release(
            ctx.services, ctx.client, incident_id, role, released, ctx.user_id
        )
    else:
        assert user_id is not None
        problems = role_handoff.announce(
            ctx.services, ctx.client, incident_id, role, user_id, previous, ctx.user_id
        )
    if problems:
        ctx.reply(
            "messages/change_saved_with_problems.json.j2", what="The role change", problems=problems
        )


def show_roles(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    with ctx.services.db.session() as session:
        incident = ctx.incident_here(session)
        rows = list(
            session.scalars(
                select(RoleAssignment)
                .where(RoleAssignment.incident_id == incident.id)
                .order_by(RoleAssignment.assigned_at, RoleAssignment.id)
            )
        )
        current = {r.role: r for r in rows if r.ended_at is None}
        roles = [
            {
                "name": r.name,
                "description": r.description,
                "user": current[r.key].user_id if r.key in current else None,
                "since": current[r.key].assigned_at if r.key in current else None,
            }
            for r in config.roles.roles
        ]
        handoffs = [
            f"{r.assigned_at:%m-%d %H:%M} UTC · {config.roles.name_of(r.role)}: <@{r.user_id}>"
            + (f" until {r.ended_at:%H:%M}" if r.ended_at else "")
            for r in rows
        ]
        view = ctx.services.templates.json(
            "views/roles_modal.json.j2", incident=incident, roles=roles, handoffs=handoffs
        )
    ctx.open_view(view, "the roles window")


def register(router: Router) -> None:
    router.add(
        Subcommand(
            "role",
            "role <role> <@person|me|none>",
            "give a role (ic, deputy, scribe, comms, ops); `role ic me` takes command",
            assign_role,
            ("assign",),
        )
    )
    router.add(Subcommand("roles", "roles", "show who holds which role", show_roles))
