"""Posting a message with files (charts, the report document) threaded under it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.workflows.slack_errors import error_code

log = logging.getLogger(__name__)

# Errors that mean "this conversation is not one the bot can post in".
UNREACHABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


@dataclass(frozen=True)
class Upload:
    filename: str
    title: str
    content: bytes


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    files: int
    problem: str = ""  # why the files did not go up, when they did not


def post_with_files(
    client: WebClient,
    channel_id: str,
    message: dict[str, Any],
    uploads: list[Upload],
    comment: str = "",
) -> Posted:
    """Post ``message``, then upload ``uploads`` in its thread.

    The message is the part that must arrive; a failed upload is reported in
    the result (and the log) rather than raised, so the numbers still land.
    """
    posted = client.chat_postMessage(channel=channel_id, **message)
    channel, ts = posted["channel"], posted["ts"]
    if not uploads:
        return Posted(channel, ts, 0)
    try:
        client.files_upload_v2(
            file_uploads=[
                {"file": u.content, "filename": u.filename, "title": u.title} for u in uploads
            ],
            channel=channel,
            thread_ts=ts,
            initial_comment=comment,
        )
    except SlackApiError as exc:
        log.warning("uploading %d files to %s failed: %s", len(uploads), channel, error_code(exc))
        return Posted(channel, ts, 0, error_code(exc))
    return Posted(channel, ts, len(uploads))


def post_here_or_dm(
    client: WebClient,
    channel_id: str,
    user_id: str,
    message: dict[str, Any],
    uploads: list[Upload],
    comment: str = "",
) -> tuple[Posted, bool]:
    """Post where the command was run; where the bot cannot, in a DM. True when it was a DM."""
    try:
        return post_with_files(client, channel_id, message, uploads, comment), False
    except SlackApiError as exc:
        if error_code(exc) not in UNREACHABLE:
            raise
    opened = client.conversations_open(users=user_id)
    return post_with_files(client, opened["channel"]["id"], message, uploads, comment), True
