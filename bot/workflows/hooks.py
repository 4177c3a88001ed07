"""Follow-on work when an incident changes state, registered by the features that need it.

Lifecycle code calls ``fire(ON_RESOLVED, ...)``; a feature such as the
postmortem draft registers itself with ``@on(ON_RESOLVED)``. Hooks run after
the change is stored and the user has had their answer; a failing hook is
logged and never undoes the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from core import log_context

log = logging.getLogger(__name__)

# hook(services, client, incident_id, actor_user_id)
Hook = Callable[[Services, WebClient, int, str | None], Any]

ON_CHANNEL = "channel"  # the incident's channel id is stored; setup goes on
ON_DECLARED = "declared"
ON_RESOLVED = "resolved"
ON_REOPENED = "reopened"
ON_CLOSED = "closed"
ON_SEVERITY_CHANGED = "severity_changed"
ON_STATUS_CHANGED = "status_changed"
# Fired by the action-item digest when it sends an overdue nudge, per incident.
ON_ACTION_ITEM_OVERDUE = "action_item_overdue"

HOOKS: dict[str, list[Hook]] = {
    ON_CHANNEL: [],
    ON_DECLARED: [],
    ON_RESOLVED: [],
    ON_REOPENED: [],
    ON_CLOSED: [],
    ON_SEVERITY_CHANGED: [],
    ON_STATUS_CHANGED: [],
    ON_ACTION_ITEM_OVERDUE: [],
}


def on(moment: str) -> Callable[[Hook], Hook]:
    def register(hook: Hook) -> Hook:
        if hook not in HOOKS[moment]:
            HOOKS[moment].append(hook)
        return hook

    return register


def fire(
    moment: str, services: Services, client: WebClient, incident_id: int, actor: str | None
) -> None:
    with log_context.bound(incident_id=incident_id):
        for hook in HOOKS[moment]:
            try:
                hook(services, client, incident_id, actor)
            except Exception:
                log.exception("%s hook %s failed", moment, getattr(hook, "__name__", hook))
