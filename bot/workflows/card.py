"""The pinned incident card and the channel topic, rendered from the stored incident."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows.catalog import runbooks_for
from config import Severity
from core import cadence, milestones, roles
from storage.models import MILESTONES, Incident, SlackUser

TOPIC_LIMIT = 250


def severity_of(services: Services, incident: Incident) -> Severity:
    """The configured level, or a plain stand-in if the config no longer lists it."""
    known = services.settings.config.severities.get(incident.severity)
    if known is not None:
        return known
    return Severity(incident.severity, 99, incident.severity, "", "", "", None)


def card_context(services: Services, session: Session, incident: Incident) -> dict[str, Any]:
    config = services.settings.config
    declarer = session.get(SlackUser, incident.declared_by)
    holders = roles.current_holders(session, incident)
    reached = milestones.get_all(session, incident)
    return {
        "incident": incident,
        "severity": severity_of(services, incident),
        "ic": holders.get(roles.INCIDENT_COMMANDER),
        # Every configured role, held or not, so the card shows who is missing.
        "roles": [
            {"key": r.key, "name": r.name, "user": holders.get(r.key)} for r in config.roles.roles
        ],
        "is_open": config.lifecycle.statuses.is_open(incident.status),
        "next_update_due_at": incident.next_update_due_at,
        "cadence": cadence.cadence_for(config.severities, incident),
        "milestones": {kind: reached[kind] for kind in MILESTONES if kind in reached},
        "has_impact": any(
            v not in (None, "")
            for v in (
                incident.users_affected,
                incident.customer_tier,
                incident.revenue_impact,
                incident.support_tickets,
            )
        ),
        "declarer_tz": declarer.tz if declarer else "UTC",
        "next_steps": services.templates.text("text/next_steps.md.j2"),
        "runbooks": runbooks_for(config.catalog, incident.services),
    }


def card_message(services: Services, session: Session, incident: Incident) -> dict[str, Any]:
    return services.templates.message(
        "messages/incident_card.json.j2", **card_context(services, session, incident)
    )


def topic(services: Services, session: Session, incident: Incident) -> str:
    text = services.templates.line(
        "text/channel_topic.txt.j2", **card_context(services, session, incident)
    )
    return text if len(text) <= TOPIC_LIMIT else text[: TOPIC_LIMIT - 1] + "…"


def refresh(services: Services, client: WebClient, incident_id: int) -> None:
    """Bring the pinned card and the topic in line with the stored incident."""
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return
        message = card_message(services, session, incident)
        topic_text = topic(services, session, incident)
        channel_id, card_ts = incident.channel_id, incident.card_ts
    if card_ts:
        client.chat_update(channel=channel_id, ts=card_ts, **message)
    client.conversations_setTopic(channel=channel_id, topic=topic_text)
