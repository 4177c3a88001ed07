"""usergroups.* — reading user groups (the bot turns ``@handle`` owners into people)."""

from __future__ import annotations

from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.registry import Ctx, method
from emulator.state import UserGroup


def _subteam(
    ctx: Ctx, group: UserGroup, include_users: bool, include_count: bool
) -> dict[str, Any]:
    """The ``subteam`` object of Slack's reference, with the fields the examples show."""
    body: dict[str, Any] = {
        "id": group.id,
        "team_id": ctx.ws.team_id,
        "is_usergroup": True,
        "name": group.name,
        "description": group.description,
        "handle": group.handle,
        "is_external": False,
        "date_create": group.created,
        "date_update": group.created,
        "date_delete": group.date_delete,
        "auto_type": None,
        "created_by": ctx.ws.bot_user_id,
        "updated_by": ctx.ws.bot_user_id,
        "deleted_by": None,
        "prefs": {"channels": [], "groups": []},
    }
    if include_users:
        body["users"] = list(group.users)
    if include_count:
        body["user_count"] = str(len(group.users))
    return body


@method("usergroups.list")
def list_groups(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Enabled groups (disabled ones only with include_disabled); not paginated, like Slack."""
    disabled = args.bool("include_disabled")
    groups = sorted(ctx.ws.usergroups.values(), key=lambda g: g.id)
    return {
        "usergroups": [
            _subteam(ctx, g, args.bool("include_users"), args.bool("include_count"))
            for g in groups
            if disabled or not g.date_delete
        ]
    }


@method("usergroups.users.list")
def list_members(ctx: Ctx, args: Args) -> dict[str, Any]:
    """The members of one group; a disabled group answers only with include_disabled."""
    group = ctx.ws.usergroups.get(args.str("usergroup"))
    if group is None or (group.date_delete and not args.bool("include_disabled")):
        raise SlackError("no_such_subteam")
    return {"users": list(group.users)}
