"""Building an incident's Slack side: channel, people, card, topic, announcement.

Each step records what it made on the incident row, so a retry after a crash
or a Slack outage finishes the job instead of doing it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot import users
from bot.services import Services
from bot.workflows import broadcast, card, hooks
from bot.workflows.invites import invite_each
from bot.workflows.slack_errors import error_code, explain
from core import incidents, setup_claims
from core.channel_names import channel_name, variants
from core.errors import SitrepError
from storage.models import SETUP_INCOMPLETE, SETUP_READY, Incident

log = logging.getLogger(__name__)

Notify = Callable[[dict[str, Any]], None]


def declare(
    services: Services, client: WebClient, request: incidents.DeclareRequest, notify: Notify
) -> Incident | None:
    """Declare an incident and tell the declarer how it went; returns it when it exists."""
    templates = services.templates
    try:
        incident = incidents.open_incident(
            services.db,
            request,
            services.settings.config.severities,
            initial_status=services.settings.config.lifecycle.statuses.initial,
        )
    except SitrepError as exc:
        notify(templates.message("messages/error.json.j2", message=str(exc)))
        return None
    users.lookup(services, client, request.declared_by)  # caches the time zone for the card
    try:
        channel = _create_channel(services, client, incident)
    except SlackApiError as exc:
        incidents.discard(services.db, incident)
        log.warning("channel creation for INC-%s failed: %s", incident.number, error_code(exc))
        notify(
            templates.message(
                "messages/error.json.j2",
                message=f"The incident was not declared: Slack could not create its channel, "
                f"because {explain(exc)}. Nothing was created; try again once that is fixed.",
            )
        )
        return None
    with services.db.session() as session:
        row = session.get_one(Incident, incident.id)
        row.channel_id = channel["id"]
        row.channel_name = channel["name"]
    problems = complete_setup(services, client, incident.id, invitees=request.invitees)
    with services.db.session() as session:
        incident = session.get_one(Incident, incident.id)
    notify(templates.message("messages/declared.json.j2", incident=incident, problems=problems))
    hooks.fire(hooks.ON_DECLARED, services, client, incident.id, request.declared_by)
    return incident


def _create_channel(services: Services, client: WebClient, incident: Incident) -> dict[str, Any]:
    base = channel_name(
        services.settings.config.channels.name_pattern,
        number=incident.number,
        title=incident.title,
        severity=incident.severity,
        today=incident.declared_at.date(),
    )
    last_error: SlackApiError | None = None
    for name in variants(base):
        try:
            return client.conversations_create(name=name, is_private=incident.is_private)["channel"]
        except SlackApiError as exc:
            if error_code(exc) != "name_taken":
                raise
            last_error = exc
    assert last_error is not None
    raise last_error


def complete_setup(
    services: Services, client: WebClient, incident_id: int, invitees: list[str] | None = None
) -> list[str]:
    """Run every setup step not yet done; returns what failed, in words."""
    problems: list[str] = []
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        channel_id = incident.channel_id
        people = [incident.declared_by, *(invitees or [])]
    if channel_id is None:
        return ["the incident has no channel"]

    wanted = sorted({p for p in people if p})
    if wanted:
        try:
            client.conversations_invite(channel=channel_id, users=",".join(wanted))
        except SlackApiError as exc:
            # A bulk invite fails whole on one bad id; singly, everyone else gets in.
            if error_code(exc) != "already_in_channel":
                problems.extend(invite_each(client, channel_id, wanted))

    for step in (_post_card, _set_topic, _announce):
        try:
            step(services, client, incident_id)
        except SlackApiError as exc:
            problems.append(f"{step.__doc__}: {explain(exc)}")
            log.warning("INC setup step %s failed: %s", step.__name__, error_code(exc))

    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        incident.setup_state = SETUP_INCOMPLETE if problems else SETUP_READY
    return problems


def _post_card(services: Services, client: WebClient, incident_id: int) -> None:
    """posting and pinning the incident card"""
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        message = card.card_message(services, session, incident)
        channel_id, card_ts = incident.channel_id, incident.card_ts
    if card_ts is None:
        card_ts = client.chat_postMessage(channel=channel_id, **message)["ts"]
        with services.db.session() as session:
            session.get_one(Incident, incident_id).card_ts = card_ts
    # Pinning again is harmless (already_pinned), and finishes a retry.
    try:
        client.pins_add(channel=channel_id, timestamp=card_ts)
    except SlackApiError as exc:
        if error_code(exc) != "already_pinned":
            raise


def _set_topic(services: Services, client: WebClient, incident_id: int) -> None:
    """setting the channel topic"""
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        text = card.topic(services, session, incident)
        channel_id = incident.channel_id
    client.conversations_setTopic(channel=channel_id, topic=text)


def _announce(services: Services, client: WebClient, incident_id: int) -> None:
    """announcing in the broadcast channel"""
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        if incident.broadcast_ts:
            return
        name = services.settings.config.channels.broadcast_channel
        severity = card.severity_of(services, incident)
        message = services.templates.message(
            "messages/announcement.json.j2", incident=incident, severity=severity
        )
        if incident.is_private:
            return  # a private incident is not announced to the whole workspace
    posted = broadcast.post(services, client, name, **message)
    with services.db.session() as session:
        row = session.get_one(Incident, incident_id)
        row.broadcast_channel_id = posted["channel"]
        row.broadcast_ts = posted["ts"]


def retry_incomplete(services: Services, client: WebClient) -> int:
    """Finish incidents whose setup was cut short; run at startup and on demand.

    A declare that never got a channel (the process died while creating it) is
    discarded once its claim is stale, so no half-made incident stays; the
    clean-up selects only such declares (see core.setup_claims), never an
    imported or finished incident.
    """
    removed = setup_claims.remove_abandoned(services.db)
    if removed:
        log.info("discarded %d declares abandoned before their channel existed", removed)
    with services.db.session() as session:
        pending = list(
            session.scalars(
                select(Incident.id).where(
                    Incident.setup_state != SETUP_READY, Incident.channel_id.is_not(None)
                )
            )
        )
    for incident_id in pending:
        complete_setup(services, client, incident_id)
    return len(pending)
