"""Reactions curate the timeline: ``:pushpin:`` marks a key event, other emoji label it.

Every reaction on a message in an incident channel is recorded (even before
the message itself arrives); the writer then recomputes the message's marks
and runs the hook registered for a newly added reaction's category.
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
        def on_reaction(
            event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
        ) -> None:
            item = event.get("item") or {}
            captured.submit(
                kind,
                event,
                item.get("channel"),
                body=body,
                identity=identity(context),
                client=client,
            )

        on_reaction.__name__ = f"on_{kind}"
        return on_reaction

    for kind in (capture.REACTION_ADDED, capture.REACTION_REMOVED):
        surface.event(kind, listener(kind))
