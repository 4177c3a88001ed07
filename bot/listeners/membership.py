"""Joins and leaves make the participant list, with join times.

The channel_join and channel_leave messages put them in the timeline (see
messages.py); these events keep the list right when a workspace hides those
messages.
"""

from __future__ import annotations

from bot.listeners.messages import capture_listener, channel_of
from bot.services import Services
from bot.surface import Surface
from bot.workflows import capture, capture_events


def register(surface: Surface, services: Services) -> None:
    captured = capture.for_services(services)
    for kind in (capture_events.MEMBER_JOINED, capture_events.MEMBER_LEFT):
        surface.event(kind, capture_listener(captured, kind, channel_of), inline=True)
