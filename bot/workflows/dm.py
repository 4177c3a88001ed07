"""Reaching one person privately: a DM, or an ephemeral note where they already are."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.render import safe_message


def send_dm(client: WebClient, user_id: str, message: dict[str, Any]) -> SlackResponse:
    """Post in the bot's DM with ``user_id``; conversations.open finds or creates it."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    return client.chat_postMessage(channel=channel, **safe_message(message))


def tell_user(client: WebClient, user_id: str, channel: str, message: dict[str, Any]) -> None:
    """Reach a user with no response URL: ephemeral where they are, else a DM."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user_id, **safe_message(message))
            return
        except SlackApiError:
            pass  # the bot may not be in that channel; a DM always works
    send_dm(client, user_id, message)
