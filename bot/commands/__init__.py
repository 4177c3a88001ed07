"""Slash command adapters: one module per subcommand group, all under ``/incident``."""

from __future__ import annotations

from bot.commands import (
    actions,
    catalog,
    declare,
    impact,
    lifecycle,
    listing,
    postmortem,
    roles,
    search,
    similar,
    stats,
    tags,
    timeline,
    updates,
)
from bot.commands.router import Router
from bot.services import Services
from bot.surface import Surface

MODULES = [declare, listing, actions, timeline, lifecycle, roles, updates, impact, postmortem,
           search, similar, stats, tags, catalog]


def register_all(surface: Surface, services: Services) -> Router:
    router = Router(services)
    for module in MODULES:
        module.register(router)
    router.register(surface)
    return router
