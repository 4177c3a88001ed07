"""files.* — the two-step external upload slack_sdk's files_upload_v2 performs.

Step 1 hands out an upload URL on this server, step 2 (``POST /upload/<id>``,
served by ``server.py``) stores the bytes, step 3 shares the file into a
channel as a message carrying ``files``, like Slack.
"""

from __future__ import annotations

from typing import Any

from emulator.args import Args
from emulator.errors import SlackError
from emulator.methods.common import require_member, visible_channel
from emulator.methods.registry import Ctx, method
from emulator.objects import bot_message, file_object, filetype_of
from emulator.state import Channel, StoredFile
from emulator.timeline import add_message


@method("files.getUploadURLExternal")
def get_upload_url(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Reserve a file id and the URL its bytes go to."""
    length = args.int("length", 0)
    name = args.str("filename")
    stored = StoredFile(
        id=ctx.ws.new_id("F"),
        name=name,
        length=length,
        filetype=args.str("snippet_type") or filetype_of(name),
    )
    ctx.ws.files[stored.id] = stored
    return {"upload_url": f"{ctx.base_url}/upload/{stored.id}", "file_id": stored.id}


def _targets(ctx: Ctx, args: Args) -> list[Channel]:
    ids = [args.str("channel_id")] if args.has("channel_id") else args.csv("channels")
    channels = []
    for channel_id in ids:
        channel = visible_channel(ctx, channel_id)
        require_member(ctx, channel)
        channels.append(channel)
    return channels


@method("files.completeUploadExternal")
def complete_upload(ctx: Ctx, args: Args) -> dict[str, Any]:
    """Finish uploads; with a channel, post one message sharing all the files."""
    entries = args.json("files")
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) for e in entries)
    ):
        raise SlackError("invalid_arguments", "[ERROR] files must be a non-empty array of objects")
    chosen: list[StoredFile] = []
    for entry in entries:
        stored = ctx.ws.files.get(str(entry.get("id", "")))
        if stored is None or not stored.uploaded or stored.completed:
            raise SlackError("file_not_found")
        chosen.append(stored)
    channels = _targets(ctx, args)
    for stored, entry in zip(chosen, entries, strict=True):
        stored.title = str(entry.get("title") or stored.name)
        stored.completed = True
        stored.initial_comment = args.str("initial_comment")
        stored.thread_ts = args.str("thread_ts") or None
    for channel in channels:
        message = bot_message(ctx.ws, ctx.ws.next_ts(), args.str("initial_comment"))
        message.update({"upload": True, "display_as_bot": False})
        for stored in chosen:
            stored.channels.append(channel.id)
            stored.shares.setdefault(channel.id, []).append(message["ts"])
        message["files"] = [file_object(ctx.ws, s) for s in chosen]
        add_message(channel, message, args.str("thread_ts") or None)
    return {"files": [file_object(ctx.ws, s) for s in chosen]}


@method("files.info")
def info(ctx: Ctx, args: Args) -> dict[str, Any]:
    """A completed file's metadata."""
    stored = ctx.ws.files.get(args.str("file"))
    if stored is None or not stored.completed:
        raise SlackError("file_not_found")
    return {
        "file": file_object(ctx.ws, stored),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }
