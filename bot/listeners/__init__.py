"""Event, shortcut, view and action listeners, one module per concern."""

from __future__ import annotations

from bot.listeners import (
    action_items,
    declare_modal,
    impact_modal,
    membership,
    messages,
    reactions,
    role_requests,
    update_modal,
)
from bot.services import Services
from bot.surface import Surface

# Bolt tries listeners in registration order; the high-volume channel events
# (every message of every channel the bot is in) come first so they match at once.
MODULES = [
    messages,
    reactions,
    membership,
    declare_modal,
    action_items,
    update_modal,
    impact_modal,
    role_requests,
]


def register_all(surface: Surface, services: Services) -> None:
    for module in MODULES:
        module.register(surface, services)
