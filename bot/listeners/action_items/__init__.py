"""Action items from Slack's surfaces: the :dart: reaction, the message shortcut,
"Create action item" buttons, the digest DM's buttons and the App Home tab.

Every path that creates an item goes through one modal, so an owner, a due
date and a priority are chosen the same way whatever started it. The ways in
(``from_messages``), that modal (``create_modal``), the buttons on listed
items (``item_buttons``) and reassigning (``reassign``) are separate modules.
"""

from __future__ import annotations

from bot.listeners.action_items import create_modal, from_messages, item_buttons, reassign
from bot.services import Services
from bot.surface import Surface


def register(surface: Surface, services: Services) -> None:
    from_messages.register(surface, services)
    create_modal.register(surface, services)
    item_buttons.register(surface, services)
    reassign.register(surface, services)
