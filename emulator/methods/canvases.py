"""Channel canvases: conversations.canvases.create and canvases.edit.

Only markdown content and whole-document edits are modelled; an edit that
targets a section answers ``canvas_editing_failed`` rather than pretending.
"""

from __future__ import annotations

from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.common import visible_channel
from emulator.methods.registry import Ctx, method


def _markdown(content: Any) -> str:
    if (
        not isinstance(content, dict)
        or content.get("type") != "markdown"
        or not isinstance(content.get("markdown"), str)
    ):
        raise SlackError(
            "invalid_arguments",
            '[ERROR] document_content must be {"type": "markdown", "markdown": ...}',
        )
    return content["markdown"]


@method("conversations.canvases.create")
def create(ctx: Ctx, args: Args) -> dict[str, Any]:
    """One canvas per channel; a second answers ``channel_canvas_already_exists``."""
    channel = visible_channel(ctx, args.str("channel_id"), code="channel_canvas_creation_failed")
    if channel.is_im or channel.is_archived:
        raise SlackError("channel_canvas_creation_failed")
    if channel.canvas is not None:
        raise SlackError("channel_canvas_already_exists")
    content = args.json("document_content")
    markdown = _markdown(content) if content is not None else ""
    canvas_id = ctx.ws.new_id("F")
    channel.canvas = {
        "id": canvas_id,
        "title": args.str("title"),
        "markdown": markdown,
        "edits": [],
    }
    ctx.ws.canvases[canvas_id] = channel.id
    return {"canvas_id": canvas_id}


@method("canvases.edit")
def edit(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Apply insert_at_start/insert_at_end/replace (whole document)/rename."""
    channel_id = ctx.ws.canvases.get(args.str("canvas_id"))
    channel = ctx.ws.channels.get(channel_id or "")
    if channel is None or channel.canvas is None:
        raise SlackError("canvas_not_found")
    canvas = channel.canvas
    changes = args.json("changes")
    if not isinstance(changes, list) or not changes:
        raise SlackError("invalid_arguments", "[ERROR] changes must be a non-empty array")
    markdown, title = canvas["markdown"], canvas["title"]
    for change in changes:
        operation = change.get("operation") if isinstance(change, dict) else None
        if change.get("section_id") if isinstance(change, dict) else False:
            raise SlackError("canvas_editing_failed")
        if operation == "insert_at_end":
            markdown = markdown + _markdown(change.get("document_content"))
        elif operation == "insert_at_start":
            markdown = _markdown(change.get("document_content")) + markdown
        elif operation == "replace":
            markdown = _markdown(change.get("document_content"))
        elif operation == "rename":
            title = _markdown(change.get("title_content"))
        else:
            raise SlackError("canvas_editing_failed")
    canvas.update({"markdown": markdown, "title": title})
    canvas["edits"].append(changes)
    return {}
