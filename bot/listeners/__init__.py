"""Event, shortcut, view and action listeners, one module per concern."""

from __future__ import annotations

from bot.listeners import declare_modal
from bot.services import Services
from bot.surface import Surface

MODULES = [declare_modal]


def register_all(surface: Surface, services: Services) -> None:
    for module in MODULES:
        module.register(surface, services)
