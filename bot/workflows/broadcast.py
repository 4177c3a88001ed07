"""Finding the broadcast channel and posting there."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows.slack_errors import error_code

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
# Errors that mean a remembered channel id is no longer usable.
_STALE = {"channel_not_found", "is_archived", "not_in_channel"}


def resolve_channel(services: Services, client: WebClient, name_or_id: str) -> str | None:
    """The channel id for a configured name; joins public channels so the bot can post."""
    if _CHANNEL_ID.match(name_or_id):
        return name_or_id
    name = name_or_id.lstrip("#")
    cached = services.channel_ids.get(name)
    if cached:
        return cached
    found: dict[str, Any] | None = None
    cursor = None
    while found is None:
        page = client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        found = next((c for c in page["channels"] if c.get("name") == name), None)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    if found is None:
        return None
    if not found.get("is_member") and not found.get("is_private"):
        # If joining fails, posting reports the real problem.
        with contextlib.suppress(SlackApiError):
            client.conversations_join(channel=found["id"])
    services.channel_ids[name] = found["id"]
    return found["id"]


def post(services: Services, client: WebClient, name_or_id: str, **message: Any) -> Any:
    """Post to a configured channel, looking its id up again if the remembered one went stale."""
    for attempt in range(2):
        channel_id = resolve_channel(services, client, name_or_id)
        if channel_id is None:
            raise SlackApiError(
                f"channel #{name_or_id} not found", {"ok": False, "error": "channel_not_found"}
            )
        try:
            return client.chat_postMessage(channel=channel_id, **message)
        except SlackApiError as exc:
            if attempt or error_code(exc) not in _STALE:
                raise
            services.channel_ids.pop(name_or_id.lstrip("#"), None)
    raise AssertionError("unreachable")
