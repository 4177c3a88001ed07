"""Publishing a stored status update: in the channel, under the announcement, on the card."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import card, reminders
from bot.workflows.slack_errors import error_code, explain
from storage.models import Incident, StatusUpdate

log = logging.getLogger(__name__)


def publish(services: Services, client: WebClient, update_id: int) -> list[str]:
    """Post the update where people look; each ts is stored so nothing is posted twice."""
    problems: list[str] = []
    with services.db.session() as session:
        update = session.get_one(StatusUpdate, update_id)
        incident = session.get_one(Incident, update.incident_id)
        context = {
            "update": update,
            "incident": incident,
            "severity": card.severity_of(services, incident),
        }
        in_channel = services.templates.message("messages/status_update.json.j2", **context)
        broadcast = services.templates.message(
            "messages/status_update.json.j2", **context, for_broadcast=True
        )
        channel_id, incident_id = incident.channel_id, incident.id
        thread = (incident.broadcast_channel_id, incident.broadcast_ts)
        posted_channel, posted_broadcast = update.channel_ts, update.broadcast_ts

    if channel_id and not posted_channel:
        try:
            ts = client.chat_postMessage(channel=channel_id, **in_channel)["ts"]
            _store(services, update_id, channel_ts=ts)
        except SlackApiError as exc:
            problems.append(f"posting in the incident channel: {explain(exc)}")
    if thread[0] and thread[1] and not posted_broadcast:
        try:
            ts = client.chat_postMessage(channel=thread[0], thread_ts=thread[1], **broadcast)["ts"]
            _store(services, update_id, broadcast_ts=ts)
        except SlackApiError as exc:
            problems.append(f"replying under the announcement: {explain(exc)}")
    try:
        card.refresh(services, client, incident_id)
    except SlackApiError as exc:
        log.warning("INC %s: card refresh failed: %s", incident_id, error_code(exc))
        problems.append(f"updating the incident card: {explain(exc)}")
    reminders.reschedule(services, incident_id)
    return problems


def _store(services: Services, update_id: int, **columns: str) -> None:
    with services.db.session() as session:
        update = session.get_one(StatusUpdate, update_id)
        for name, value in columns.items():
            setattr(update, name, value)
