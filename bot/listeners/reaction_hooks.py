"""Extra work a reaction can trigger beyond curating the timeline.

The reaction listener records every reaction, then calls the hook registered
for that category (for example ``action_item`` proposes an action item from
the message). Hooks run after the reaction is stored, on the capture writer's own
small pool (``sitrep-reaction-hook`` threads), never on Bolt's listener threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# hook(services, client, incident_id, event, reacting_user_id)
ReactionHook = Callable[..., Any]

HOOKS: dict[str, ReactionHook] = {}


def on_category(category: str) -> Callable[[ReactionHook], ReactionHook]:
    def register(hook: ReactionHook) -> ReactionHook:
        HOOKS[category] = hook
        return hook

    return register
