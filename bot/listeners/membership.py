"""Joins and leaves make the participant list, with join times.

The channel_join and channel_leave messages put them in the timeline (see
messages.py); these events keep the list right when a workspace hides those
messages.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.listeners.messages import identity
from bot.services import Services
from bot.surface import Surface
from bot.workflows import capture


def register(surface: Surface, services: Services) -> None:
    captured = capture.for_services(services)

    def listener(kind: str) -> Any:
        def on_membership(
            event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
        ) -> None:
            captured.submit(
                kind,
                event,
                event.get("channel"),
                body=body,
                identity=identity(context),
                client=client,
            )

        on_membership.__name__ = f"on_{kind}"
        return on_membership

    for kind in (capture.MEMBER_JOINED, capture.MEMBER_LEFT):
        surface.event(kind, listener(kind))
