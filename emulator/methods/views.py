"""views.* — modals and the App Home tab.

Slack honours a trigger_id once and for 3 seconds; only triggers minted by
``SlackEmulator.new_trigger_id()`` exist here, so a bot that reuses or invents
one fails like it would in production.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from emulator.args import Args
from emulator.blocks import check_view
from emulator.errors import SlackError
from emulator.methods.registry import Ctx, method
from emulator.state import Trigger, Workspace

MAX_STACK = 3
_hashes = itertools.count(1)


def _trigger(ctx: Ctx, args: Args) -> Trigger:
    """The trigger named by trigger_id/interactivity_pointer, checked but not yet spent."""
    trigger_id = args.str("trigger_id") or args.str("interactivity_pointer")
    if not trigger_id:
        raise SlackError("invalid_arguments", "[ERROR] missing required field: trigger_id")
    trigger = ctx.ws.triggers.get(trigger_id)
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if time.monotonic() > trigger.expires_at:
        raise SlackError("expired_trigger_id")
    return trigger


def _view_arg(args: Args, allowed: tuple[str, ...]) -> dict[str, Any]:
    return check_view(args.json("view"), allowed)


def _check_external_id(ctx: Ctx, view: dict[str, Any], own_id: str | None) -> None:
    external_id = view.get("external_id")
    if not external_id:
        return
    for other in [*ctx.ws.views.values(), *ctx.ws.home_views.values()]:
        if other.get("external_id") == external_id and other["id"] != own_id:
            raise SlackError("duplicate_external_id")


def store_view(
    ws: Workspace, given: dict[str, Any], view_id: str, root_id: str | None, previous_id: str | None
) -> dict[str, Any]:
    """The stored view, in the shape Slack returns (state, hash, ids filled in)."""
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": given.get("type"),
        "title": given.get("title"),
        "blocks": given.get("blocks", []),
        "close": given.get("close"),
        "submit": given.get("submit"),
        "private_metadata": given.get("private_metadata", ""),
        "callback_id": given.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{next(_hashes):08d}",
        "clear_on_close": bool(given.get("clear_on_close", False)),
        "notify_on_close": bool(given.get("notify_on_close", False)),
        "root_view_id": root_id or view_id,
        "previous_view_id": previous_id,
        "app_id": ws.app_id,
        "external_id": given.get("external_id", ""),
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    ws.views[view_id] = view
    return view


def log_view(
    ws: Workspace, view: dict[str, Any], action: str, trigger: Trigger | None, user: str | None
) -> None:
    """Record what ``SlackEmulator.views`` lists."""
    ws.view_log.append(
        {
            "id": view["id"],
            "view": view,
            "trigger_id": trigger.id if trigger else None,
            "user": user,
            "action": action,
        }
    )


@method("views.open")
def open_view(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Open a modal for the user whose action produced the trigger."""
    trigger = _trigger(ctx, args)
    given = _view_arg(args, ("modal",))
    _check_external_id(ctx, given, None)
    trigger.used = True
    view = store_view(ctx.ws, given, ctx.ws.new_id("V"), None, None)
    if trigger.user:
        ctx.ws.view_stacks[trigger.user] = [view["id"]]
    log_view(ctx.ws, view, "open", trigger, trigger.user)
    return {"view": view}


@method("views.push")
def push_view(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Stack a modal on the open one; Slack allows three in a stack."""
    trigger = _trigger(ctx, args)
    given = _view_arg(args, ("modal",))
    stack = ctx.ws.view_stacks.get(trigger.user or "", [])
    if trigger.user and not stack:
        raise SlackError("not_found")
    if len(stack) >= MAX_STACK:
        raise SlackError("push_limit_reached")
    _check_external_id(ctx, given, None)
    trigger.used = True
    root = stack[0] if stack else None
    view = store_view(ctx.ws, given, ctx.ws.new_id("V"), root, stack[-1] if stack else None)
    if trigger.user:
        stack.append(view["id"])
    log_view(ctx.ws, view, "push", trigger, trigger.user)
    return {"view": view}


def _find(ctx: Ctx, args: Args) -> dict[str, Any]:
    if args.has("view_id"):
        view = ctx.ws.views.get(args.str("view_id"))
    elif args.has("external_id"):
        view = next(
            (v for v in ctx.ws.views.values() if v.get("external_id") == args.str("external_id")),
            None,
        )
    else:
        raise SlackError("invalid_arguments", "[ERROR] either view_id or external_id is required")
    if view is None:
        raise SlackError("not_found")
    return view


@method("views.update")
def update_view(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Replace a view by view_id or external_id; a stale ``hash`` is a conflict."""
    current = _find(ctx, args)
    if args.has("hash") and args.str("hash") != current["hash"]:
        raise SlackError("hash_conflict")
    given = _view_arg(args, ("modal", "home"))
    _check_external_id(ctx, given, current["id"])
    view = store_view(
        ctx.ws, given, current["id"], current["root_view_id"], current["previous_view_id"]
    )
    owner = next((e["user"] for e in ctx.ws.view_log if e["id"] == current["id"]), None)
    log_view(ctx.ws, view, "update", None, owner)
    return {"view": view}


@method("views.publish")
def publish(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Set a user's App Home tab."""
    user_id = args.str("user_id")
    given = _view_arg(args, ("home",))
    current = ctx.ws.home_views.get(user_id)
    if current is not None and args.has("hash") and args.str("hash") != current["hash"]:
        raise SlackError("hash_conflict")
    _check_external_id(ctx, given, current["id"] if current else None)
    view_id = current["id"] if current else ctx.ws.new_id("V")
    view = store_view(ctx.ws, given, view_id, None, None)
    ctx.ws.home_views[user_id] = view
    return {"view": view}
