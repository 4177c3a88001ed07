"""Slash command adapters: one module per subcommand group, all under ``/incident``."""

from __future__ import annotations

from bot.commands import declare, listing
from bot.commands.router import Router
from bot.services import Services
from bot.surface import Surface

MODULES = [declare, listing]


def register_all(surface: Surface, services: Services) -> Router:
    router = Router(services)
    for module in MODULES:
        module.register(router)
    router.register(surface)
    return router
