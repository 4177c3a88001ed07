"""Every message in an incident channel, captured for the timeline.

The listener runs before Slack is answered, on the receiving thread, because
all it does is check the channel (from memory, almost always) and queue the
event for the writer; the writing happens after the answer.
Sitrep's own posts are skipped here as Bolt skips them: what the bot changes
is in the timeline as system events already. Integration bots are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.surface import Surface
from bot.workflows import capture, capture_events
from bot.workflows.slack_messages import Identity

SUBSCRIPTIONS = ("message.channels", "message.groups")


def identity(context: BoltContext) -> Identity:
    return Identity(user_id=context.bot_user_id, bot_id=context.bot_id)


def channel_of(event: dict[str, Any]) -> str | None:
    return event.get("channel")


def capture_listener(
    captured: capture.Capture, kind: str, channel: Callable[[dict[str, Any]], str | None]
) -> Callable[..., None]:
    """A listener that hands ``kind`` events to the timeline writer; ``channel`` finds where."""

    def listener(
        event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        captured.submit(
            kind,
            event,
            channel(event),
            body=body,
            identity=identity(context),
            client=client,
        )

    listener.__name__ = f"on_{kind}"
    return listener


def register(surface: Surface, services: Services) -> None:
    captured = capture.for_services(services)
    on_message = capture_listener(captured, capture_events.MESSAGE, channel_of)
    surface.event("message", on_message, subscriptions=SUBSCRIPTIONS, inline=True)
