"""What action-item buttons and forms send back, and a private answer to a click.

Shared by every action-item listener, so a button value or a form field is
read one way, and a click that cannot be applied is answered one way.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.render import safe_message
from bot.workflows.dm import tell_user

log = logging.getLogger(__name__)


def ack_only(ack: Ack) -> None:
    ack()


def field_value(values: dict[str, Any], block: str) -> Any:
    """A form field's answer, whichever kind of input the block holds."""
    element = values.get(block, {}).get("value", {})
    kind = element.get("type")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    return element.get("value") or ""


def button_value(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON a clicked button carries; empty when it is missing or not ours."""
    actions = body.get("actions") or [{}]
    try:
        value = json.loads(actions[0].get("value") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def say(client: WebClient, respond: Respond | None, body: dict[str, Any], text: str) -> None:
    """A short private note after a click that could not be applied."""
    message = safe_message({"text": text})
    try:
        if respond is not None and body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **message)
            return
    except Exception:  # the response URL may have expired; a DM always works
        log.info("response_url failed; falling back to a DM")
    tell_user(client, body["user"]["id"], "", message)
