"""Telling Slack about a stored lifecycle change: channel, broadcast thread, card, topic, hooks.

The change is already committed when this runs; a Slack failure here is
reported to the person who made it and never undoes it.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import card, hooks, reminders
from bot.workflows.slack_errors import error_code, explain
from core.lifecycle import Change
from storage.models import Incident

log = logging.getLogger(__name__)

HOOK_FOR = {
    "resolved": hooks.ON_RESOLVED,
    "reopened": hooks.ON_REOPENED,
    "closed": hooks.ON_CLOSED,
    "severity_changed": hooks.ON_SEVERITY_CHANGED,
    "status_changed": hooks.ON_STATUS_CHANGED,
}
# Milestones set by hand are worth a line in the channel, not a broadcast.
QUIET_ACTIONS = {"milestone_set"}


def message_context(services: Services, incident: Incident, change: Change) -> dict:
    return {
        "change": change,
        "incident": incident,
        "severity": card.severity_of(services, incident),
        "statuses": services.settings.config.lifecycle.statuses,
    }


def announce(services: Services, client: WebClient, change: Change) -> list[str]:
    """Post and refresh everything a change touches; returns what failed, in words."""
    problems: list[str] = []
    with services.db.session() as session:
        incident = session.get_one(Incident, change.incident_id)
        context = message_context(services, incident, change)
        in_channel = services.templates.message("messages/lifecycle_change.json.j2", **context)
        broadcast = services.templates.message(
            "messages/lifecycle_change.json.j2", **context, for_broadcast=True
        )
        channel_id = incident.channel_id
        thread = (incident.broadcast_channel_id, incident.broadcast_ts)

    def attempt(what: str, call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        try:
            call(*args, **kwargs)
        except SlackApiError as exc:
            log.warning("INC %s: %s failed: %s", change.incident_id, what, error_code(exc))
            problems.append(f"{what}: {explain(exc)}")

    if channel_id:
        attempt(
            "posting in the incident channel",
            client.chat_postMessage,
            channel=channel_id,
            **in_channel,
        )
    if thread[0] and thread[1] and change.action not in QUIET_ACTIONS:
        # An upgrade to a top severity is shown in the channel too, not only in the thread.
        attempt(
            "replying in the broadcast thread",
            client.chat_postMessage,
            channel=thread[0],
            thread_ts=thread[1],
            reply_broadcast=change.louder,
            **broadcast,
        )
    attempt(
        "updating the incident card and topic", card.refresh, services, client, change.incident_id
    )
    reminders.reschedule(services, change.incident_id)
    moment = HOOK_FOR.get(change.action)
    if moment is not None:
        hooks.fire(moment, services, client, change.incident_id, change.actor)
    return problems
