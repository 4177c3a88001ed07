"""users.* — directory look-ups (the bot reads names, time zones, emails)."""

from __future__ import annotations

from typing import Any

from emulator import pagination
from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.registry import Ctx, method
from emulator.objects import user_object

LIST_DEFAULT = 100


@method("users.info")
def info(ctx: Ctx, args: Args) -> dict[str, Any]:
    """One user, with tz and profile."""
    user = ctx.ws.user(args.str("user"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user_object(ctx.ws, user)}


@method("users.list")
def list_users(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Everyone, the bot included, paginated."""
    limit = args.int("limit", LIST_DEFAULT)
    users = sorted(ctx.ws.users.values(), key=lambda u: u.id)
    page, next_cursor = pagination.page(
        users, args.str("cursor"), limit if limit > 0 else LIST_DEFAULT
    )
    body: dict[str, Any] = {"members": [user_object(ctx.ws, u) for u in page]}
    body.update(pagination.metadata(next_cursor))
    return body


@method("users.lookupByEmail")
def lookup_by_email(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Exact (case-insensitive) e-mail match; Slack's code here is plural."""
    email = args.str("email").lower()
    for user in ctx.ws.users.values():
        if user.email and user.email.lower() == email:
            return {"user": user_object(ctx.ws, user)}
    raise SlackError("users_not_found")
