"""Joins and leaves make the participant list, with join times.

The channel_join and channel_leave messages put them in the timeline (see
messages.py); these events keep the list right when a workspace hides those
messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.listeners.messages import capture_listener, channel_of
from bot.services import Services
from bot.surface import Surface
from bot.workflows import capture, capture_events


def _others_only(listener: Callable[..., None]) -> Callable[..., None]:
    """Skip the bot's own joins and leaves: Sitrep is never a participant.

    Slack sends one right after the bot creates a channel, usually before the
    channel is known as an incident's; looking it up then would only be wasted.
    """

    def others(
        event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        if event.get("user") and event.get("user") == context.bot_user_id:
            return
        listener(event=event, body=body, context=context, client=client)

    others.__name__ = listener.__name__
    return others


def register(surface: Surface, services: Services) -> None:
    captured = capture.for_services(services)
    for kind in (capture_events.MEMBER_JOINED, capture_events.MEMBER_LEFT):
        surface.event(kind, _others_only(capture_listener(captured, kind, channel_of)), inline=True)
