"""Which mentions in what an app sent Slack would make live: who would be notified.

Slack parses mention tokens in message ``text`` and in ``mrkdwn`` text objects
(not in ``plain_text``), in channel topics, and in canvases. ``<!here>``,
``<!channel>``, ``<!everyone>`` and ``<!subteam^…>`` notify many people; a bare
``@here`` does too wherever the app asked Slack to link names. This module reads
the emulator's record of calls the way Slack would, so a test can ask whether an
app ever notified a crowd, and whom it mentioned.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

BROADCAST = re.compile(
    r"<!(?:here|channel|everyone|group)(?:\|[^<>]*)?>|<!subteam\^[^<>]*>", re.IGNORECASE
)
BARE_BROADCAST = re.compile(r"(?<![\w@.])@(?:here|channel|everyone)\b", re.IGNORECASE)
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")

# Arguments Slack never shows as text: ids, values handed back to the app, and
# what a person is editing in a modal.
_NOT_SHOWN = frozenset(
    {
        "action_id",
        "block_id",
        "callback_id",
        "channel",
        "channel_id",
        "initial_value",
        "private_metadata",
        "thread_ts",
        "trigger_id",
        "ts",
        "url",
        "user",
        "users",
        "value",
        "view_id",
    }
)
_JSON_ARGS = frozenset({"blocks", "attachments", "view", "changes", "document_content"})


def shown_texts(payload: Any) -> Iterator[str]:
    """Every string of ``payload`` that Slack parses for mentions."""
    if isinstance(payload, dict):
        if payload.get("type") == "plain_text":
            return
        for key, value in payload.items():
            if key in _NOT_SHOWN:
                continue
            if key in _JSON_ARGS and isinstance(value, str):
                with contextlib.suppress(json.JSONDecodeError):
                    value = json.loads(value)
            yield from shown_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from shown_texts(item)
    elif isinstance(payload, str):
        yield payload


def broadcasts(payload: Any) -> list[str]:
    """The crowd-notifying mentions in ``payload`` (a call's args, a response body...)."""
    found: list[str] = []
    for text in shown_texts(payload):
        found += BROADCAST.findall(text)
        found += BARE_BROADCAST.findall(text)
    return found


def user_mentions(payload: Any) -> set[str]:
    """The user ids ``payload`` mentions, each of whom Slack would notify."""
    return {m for text in shown_texts(payload) for m in USER_MENTION.findall(text)}
