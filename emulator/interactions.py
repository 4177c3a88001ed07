"""What Slack does with an app's answers to interactions.

A post to a response_url can add a message to the channel, replace or delete
the message that was clicked; a view_submission ack can update, push or close
modals. Applying them here lets tests assert on the resulting workspace instead
of on raw payloads. Call with the workspace lock held.
"""

from __future__ import annotations

from typing import Any

from emulator.blocks import check_view
from emulator.errors import SlackError
from emulator.methods.views import log_view, store_view
from emulator.objects import bot_message
from emulator.state import ResponseUrl, Workspace
from emulator.timeline import add_message, remove_message

MAX_RESPONSE_USES = 5


def record_response(ws: Workspace, rid: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Record a response_url post; answers (HTTP status, JSON body)."""
    target = ws.response_urls.get(rid)
    if target is None:
        return 404, {"ok": False, "error": "invalid_url"}
    target.uses += 1
    if target.uses > MAX_RESPONSE_USES:
        return 404, {"ok": False, "error": "used_url"}
    ws.responses.append({**body, "url": target.url})
    _apply(ws, target, body)
    return 200, {"ok": True}


def _apply(ws: Workspace, target: ResponseUrl, body: dict[str, Any]) -> None:
    channel = ws.channels.get(target.channel_id or "")
    if channel is None:
        return
    original = channel.find_message(target.message_ts) if target.message_ts else None
    if body.get("delete_original") and original is not None:
        remove_message(channel, original["ts"])
    elif body.get("replace_original") and original is not None:
        for name in ("text", "blocks", "attachments"):
            if name in body:
                original[name] = body[name]
        original["edited"] = {"user": ws.bot_user_id, "ts": ws.next_ts()}
    elif body.get("response_type") == "in_channel":
        message = bot_message(ws, ws.next_ts(), str(body.get("text", "")))
        if body.get("blocks"):
            message["blocks"] = body["blocks"]
        add_message(channel, message, body.get("thread_ts"))


def apply_view_ack(ws: Workspace, submission: dict[str, Any], ack: dict[str, Any]) -> None:
    """Act on a view_submission ack's ``response_action`` (none closes the modal)."""
    user = submission.get("user", {}).get("id", "")
    view_id = submission.get("view", {}).get("id", "")
    stack = ws.view_stacks.setdefault(user, [])
    action = ack.get("response_action")
    if action == "errors":
        return
    if action == "clear":
        stack.clear()
        return
    if action in ("update", "push"):
        try:
            given = check_view(ack.get("view"), ("modal",))
        except SlackError as exc:
            ws.internal_errors.append(
                f"view_submission ack with an invalid view: {exc.code} {exc.messages}"
            )
            return
        current = ws.views.get(view_id, {})
        if action == "update":
            view = store_view(
                ws, given, view_id, current.get("root_view_id"), current.get("previous_view_id")
            )
        else:
            view = store_view(
                ws, given, ws.new_id("V"), current.get("root_view_id") or view_id, view_id
            )
            stack.append(view["id"])
        log_view(ws, view, action, None, user)
        return
    if view_id in stack:
        stack.remove(view_id)
