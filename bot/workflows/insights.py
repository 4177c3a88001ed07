"""What past incidents say about a new one: similar incidents and pattern notices.

Runs as an ``ON_DECLARED`` hook, after the declarer has had their answer, and
again when ``/incident tag`` sets a root cause. Posting is best effort: a
Slack failure leaves the incident as it was and the notice unclaimed, so a
later tag can still post it.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import hooks
from core.analytics import patterns, similar
from storage import search
from storage.models import Incident
from storage.types import utcnow

log = logging.getLogger(__name__)


def _public_only(incident: Incident) -> bool:
    """A channel post may reach people outside a private incident, so never name one."""
    return not incident.is_private


@hooks.on(hooks.ON_DECLARED)
def show_similar_and_patterns(
    services: Services, client: WebClient, incident_id: int, _actor: str | None
) -> None:
    config = services.settings.config.analytics
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return
        found = similar.find(
            session, similar.Profile.of(incident), limit=config.similar_limit, visible=_public_only
        )
        channel_id = incident.channel_id
        message = (
            services.templates.message(
                "messages/similar.json.j2",
                items=found,
                incident=incident,
                moment="declared",
                words="",
            )
            if found
            else None
        )
    if message is not None:
        client.chat_postMessage(channel=channel_id, **message)
    post_patterns(services, client, incident_id, found)


def post_patterns(
    services: Services,
    client: WebClient,
    incident_id: int,
    found: list[similar.Similar] | None = None,
) -> list[patterns.Notice]:
    """Post the pattern notices this incident newly completes; returns what was posted."""
    threshold = services.settings.config.analytics.pattern_threshold
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return []
        detected = patterns.detect(session, incident, threshold, found)
        channel_id = incident.channel_id
    # Claimed and committed first, then posted with no transaction open.
    now = utcnow()
    held = [(n, c) for n in detected if (c := patterns.claim(services.db, incident_id, n, now))]
    if not held:
        return []
    notices = [notice for notice, _ in held]
    message = services.templates.message("messages/pattern_notice.json.j2", notices=notices)
    try:
        client.chat_postMessage(channel=channel_id, **message)
    except SlackApiError:
        for _, claim in held:
            patterns.unclaim(services.db, claim)
        raise
    for _, claim in held:
        patterns.sent(services.db, claim, utcnow())
    return notices


def repair_search_index(services: Services, _client: WebClient) -> bool:
    """Start-up check: put back search triggers a table rebuild dropped (see storage.search)."""
    return search.repair(services.db)
