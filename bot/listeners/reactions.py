"""Reactions curate the timeline: ``:pushpin:`` marks a key event, other emoji label it.

Every reaction on a message in an incident channel is recorded (even before
the message itself arrives); the writer then recomputes the message's marks
and runs the hook registered for a newly added reaction's category.
"""

from __future__ import annotations

from typing import Any

from bot.listeners.messages import capture_listener
from bot.services import Services
from bot.surface import Surface
from bot.workflows import capture, capture_events


def reacted_channel(event: dict[str, Any]) -> str | None:
    """A reaction names its message's channel under ``item``."""
    return (event.get("item") or {}).get("channel")


def register(surface: Surface, services: Services) -> None:
    captured = capture.for_services(services)
    for kind in (capture_events.REACTION_ADDED, capture_events.REACTION_REMOVED):
        surface.event(kind, capture_listener(captured, kind, reacted_channel), inline=True)
