"""auth.test, team.info and apps.connections.open — who the app is and where its socket is."""

from __future__ import annotations

from typing import Any

from emulator.args import Args
from emulator.methods.registry import Ctx, method
from emulator.objects import PERMALINK_BASE


@method("auth.test")
def auth_test(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Bolt calls this at start-up to learn its bot user id."""
    ws = ctx.ws
    return {
        "url": f"{PERMALINK_BASE}/",
        "team": ws.team_name,
        "user": ws.bot_user.name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


@method("team.info")
def team_info(ctx: Ctx, args: Args) -> dict[str, Any]:
    """The workspace the bot is installed in."""
    ws = ctx.ws
    return {
        "team": {
            "id": ws.team_id,
            "name": ws.team_name,
            "domain": ws.team_domain,
            "email_domain": "example.com",
            "icon": {"image_default": True},
        }
    }


@method("apps.connections.open")
def connections_open(ctx: Ctx, args: Args) -> dict[str, Any]:
    """A Socket Mode URL on this server (the dispatcher checks the app token)."""
    return {"url": ctx.new_socket_url()}
