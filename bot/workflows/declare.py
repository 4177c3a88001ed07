"""Building an incident's Slack side: channel, people, card, topic, announcement.

Each step records what it made on the incident row, so a retry after a crash
or a Slack outage finishes the job instead of doing it twice. Every run holds
the incident's setup claim (core.setup_claims) while it works, so a retry
never works beside the declare it would repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import users
from bot.services import Services
from bot.slack_client import observe_retries
from bot.workflows import broadcast, card, channel_creation, hooks
from bot.workflows.declare_progress import Progress, Reply
from bot.workflows.invites import invite_each
from bot.workflows.slack_errors import error_code, explain
from core import incidents, setup_claims
from core.errors import SitrepError
from storage.models import SETUP_INCOMPLETE, SETUP_READY, Incident

log = logging.getLogger(__name__)

# step(services, client, incident_id, claim owner) -> problems, in words
Step = Callable[[Services, WebClient, int, str], list[str] | None]


def declare(
    services: Services, client: WebClient, request: incidents.DeclareRequest, reply: Reply
) -> Incident | None:
    """Declare an incident, telling the declarer at once, when Slack is slow, and at the end.

    Returns the incident when it exists. When its channel cannot be made, the
    incident is removed again and the declarer told so: nothing half-made stays.
    """
    templates = services.templates
    owner = setup_claims.new_owner()
    try:
        incident = incidents.open_incident(
            services.db,
            request,
            services.settings.config.severities,
            initial_status=services.settings.config.lifecycle.statuses.initial,
            owner=owner,
        )
    except SitrepError as exc:
        reply.send(templates.message("messages/error.json.j2", message=str(exc)))
        return None
    progress = Progress(services, reply, incident.number, incident.id, owner)
    progress.started()
    with observe_retries(progress.saw):
        users.lookup(services, client, request.declared_by)  # the card shows their time zone
        try:
            channel = channel_creation.create(services, client, incident)
        except (SlackApiError, OSError) as exc:
            incidents.discard(services.db, incident)
            log.warning("channel creation for INC-%s failed: %s", incident.number, error_code(exc))
            reply.send(
                templates.message(
                    "messages/declare_failed.json.j2", number=incident.number, reason=explain(exc)
                )
            )
            return None
        if not setup_claims.record(
            services.db, incident.id, owner, channel_id=channel["id"], channel_name=channel["name"]
        ):
            # Only when this declare stalled past STALE_AFTER and was cleaned up meanwhile.
            log.warning("INC-%s was cleaned up while its channel was created", incident.number)
            reply.send(
                templates.message(
                    "messages/declare_failed.json.j2", number=incident.number, reason=None,
                    channel_id=channel["id"],
                )
            )  # fmt: skip
            return None
        hooks.fire(hooks.ON_CHANNEL, services, client, incident.id, request.declared_by)
        problems = complete_setup(
            services, client, incident.id, owner, invitees=request.invitees, on_step=progress.at
        )
    with services.db.session() as session:
        incident = session.get_one(Incident, incident.id)
    reply.send(templates.message("messages/declared.json.j2", incident=incident, problems=problems))
    hooks.fire(hooks.ON_DECLARED, services, client, incident.id, request.declared_by)
    return incident


def complete_setup(
    services: Services,
    client: WebClient,
    incident_id: int,
    owner: str,
    invitees: list[str] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[str]:
    """Run every setup step not yet done, holding the setup claim; returns what failed.

    The claim is renewed before each step. When another run holds it (a
    declare still in progress, seen by a retry), this run stops at once and
    leaves the incident to that run. ``on_step`` hears each step's key as it starts.
    """
    problems: list[str] = []
    steps: list[tuple[str, str, Step]] = [
        ("invite", "inviting people", lambda s, c, i, o: _invite(s, c, i, invitees or [])),
        ("card", "posting and pinning the incident card", _post_card),
        ("topic", "setting the channel topic", _set_topic),
        ("announce", "announcing in the broadcast channel", _announce),
    ]
    for key, what, step in steps:
        if not setup_claims.claim(services.db, incident_id, owner):
            log.info("incident %s is being set up by another run; leaving it", incident_id)
            return problems
        if on_step is not None:
            on_step(key)
        try:
            problems.extend(step(services, client, incident_id, owner) or [])
        except (SlackApiError, OSError) as exc:
            problems.append(f"{what}: {explain(exc)}")
            log.warning("INC setup step %r failed: %s", what, error_code(exc))
    state = SETUP_INCOMPLETE if problems else SETUP_READY
    setup_claims.finish(services.db, incident_id, owner, state)
    return problems


def _invite(
    services: Services, client: WebClient, incident_id: int, invitees: list[str]
) -> list[str]:
    with services.db.session() as session:
        channel_id = session.get_one(Incident, incident_id).channel_id
        declarer = session.get_one(Incident, incident_id).declared_by
    people = sorted({p for p in (declarer, *invitees) if p})
    if not people or channel_id is None:
        return []
    try:
        client.conversations_invite(channel=channel_id, users=",".join(people))
    except SlackApiError as exc:
        # A bulk invite fails whole on one bad id; singly, everyone else gets in.
        if error_code(exc) != "already_in_channel":
            return invite_each(client, channel_id, people)
    return []


def _post_card(services: Services, client: WebClient, incident_id: int, owner: str) -> None:
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        message = card.card_message(services, session, incident)
        channel_id, card_ts = incident.channel_id, incident.card_ts
    if card_ts is None:
        posted = client.chat_postMessage(channel=channel_id, **message)["ts"]
        if not setup_claims.record(services.db, incident_id, owner, card_ts=posted):
            _take_back(client, channel_id, posted)  # another run's card is the one
            return
        card_ts = posted
    # Pinning again is harmless (already_pinned), and finishes a retry.
    try:
        client.pins_add(channel=channel_id, timestamp=card_ts)
    except SlackApiError as exc:
        if error_code(exc) != "already_pinned":
            raise


def _set_topic(services: Services, client: WebClient, incident_id: int, _owner: str) -> None:
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        text = card.topic(services, session, incident)
        channel_id = incident.channel_id
    client.conversations_setTopic(channel=channel_id, topic=text)


def _announce(services: Services, client: WebClient, incident_id: int, owner: str) -> None:
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
    stored = setup_claims.record(
        services.db,
        incident_id,
        owner,
        broadcast_channel_id=posted["channel"],
        broadcast_ts=posted["ts"],
    )
    if not stored:
        _take_back(client, posted["channel"], posted["ts"])  # another run announced it


def _take_back(client: WebClient, channel_id: str | None, ts: str) -> None:
    """Delete a post that lost the race to another run's identical one."""
    try:
        client.chat_delete(channel=channel_id, ts=ts)
    except SlackApiError as exc:
        log.warning("could not delete a duplicate setup post: %s", error_code(exc))


def retry_incomplete(services: Services, client: WebClient) -> int:
    """Finish incidents whose setup was cut short; run at startup and on demand.

    A declare that never got a channel (the process died while creating it) is
    discarded once its claim is stale, so no half-made incident stays; the
    clean-up selects only such declares (see core.setup_claims), never an
    imported or finished incident. An incident whose setup another run holds
    (a declare in progress) is left to it; only free or stale claims are taken.
    """
    removed = setup_claims.remove_abandoned(services.db)
    if removed:
        log.info("discarded %d declares abandoned before their channel existed", removed)
    retried = 0
    for incident_id in setup_claims.unfinished(services.db):
        owner = setup_claims.new_owner()
        # Taken only if still free or stale: a declare running right now keeps it.
        if setup_claims.claim(services.db, incident_id, owner):
            complete_setup(services, client, incident_id, owner)
            retried += 1
    return retried
