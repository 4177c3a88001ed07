"""Postmortem deadlines: the draft and the final are due a set time after the resolve.

Each deadline is one persisted scheduler job. When it fires, the IC is
reminded in the channel and by DM unless the work is already done; a row in
``sent_reminders`` keyed on the deadline makes a second delivery impossible,
whichever process or restart runs the job.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import hooks
from bot.workflows import postmortem as postmortem_flow
from bot.workflows.dm import send_dm
from bot.workflows.slack_errors import error_code
from core import milestones, roles
from core.postmortem import versions
from storage import claims
from storage.models import Incident
from storage.types import utcnow

log = logging.getLogger(__name__)

TASK = "postmortem.remind"
KIND = "postmortem"
STAGES = ("draft", "final")
# Past this, a reminder claimed by a process that may run elsewhere is sent again.
STALE_CLAIM = timedelta(minutes=10)


def job_id(incident_id: int, stage: str) -> str:
    return f"postmortem-{stage}-{incident_id}"


def schedule(services: Services, incident_id: int) -> None:
    """Schedule both deadlines from the resolve time; a second resolve moves them."""
    config = services.settings.config.postmortem
    if services.scheduler is None or not config.reminders:
        return
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return
        resolved = milestones.get_all(session, incident).get("resolved")
        resolved_at = resolved.at if resolved is not None else utcnow()
    for stage, due in (("draft", config.draft_due), ("final", config.final_due)):
        if due is None:
            continue
        run_at = resolved_at + due
        services.scheduler.schedule_once(
            job_id(incident_id, stage), TASK, run_at, incident_id, stage, run_at.isoformat()
        )


def cancel(services: Services, incident_id: int, stages: tuple[str, ...] = STAGES) -> None:
    if services.scheduler is None:
        return
    for stage in stages:
        services.scheduler.cancel(job_id(incident_id, stage))


def remind(services: Services, client: WebClient, incident_id: int, stage: str, due: str) -> str:
    """Send one deadline's reminder if it is still needed; returns what happened.

    The reminder is claimed and committed first, then posted with no
    transaction open: three Slack calls with retries must not hold the write
    lock other writers are waiting for.
    """
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return "no such incident"
        if "resolved" not in milestones.get_all(session, incident):
            return "not resolved"
        latest = versions.latest(session, incident_id)
        if stage == "draft" and latest is not None:
            return "draft exists"
        if stage == "final" and versions.is_final(session, incident_id):
            return "final exists"
        holder = roles.current_holder(session, incident, roles.INCIDENT_COMMANDER)
        ic = holder.user_id if holder else incident.declared_by
        context = {"incident": incident, "stage": stage, "ic": ic, "latest": latest, "due": due}
        channel_message = services.templates.message(
            "messages/postmortem_reminder.json.j2", direct=False, **context
        )
        dm_message = services.templates.message(
            "messages/postmortem_reminder.json.j2", direct=True, **context
        )
        channel_id = incident.channel_id
    occasion = {"incident_id": incident_id, "kind": KIND, "key": f"{stage}:{due}"}
    held = claims.claim(
        services.db, claims.SENT_REMINDERS, occasion, now=utcnow(), stale_after=STALE_CLAIM
    )
    if held is None:
        return "already sent"
    posted = 0
    try:
        client.chat_postMessage(channel=channel_id, **channel_message)
        posted += 1
    except SlackApiError as exc:
        log.warning("postmortem reminder in channel failed: %s", error_code(exc))
    try:
        send_dm(client, ic, dm_message)
        posted += 1
    except SlackApiError as exc:
        log.warning("postmortem reminder DM failed: %s", error_code(exc))
    if not posted:
        claims.release(services.db, claims.SENT_REMINDERS, held)
        raise RuntimeError("neither the channel nor the IC could be reached")
    claims.finish(services.db, claims.SENT_REMINDERS, held.id, "sent", sent_at=utcnow())
    return "sent"


@hooks.on(hooks.ON_RESOLVED)
def on_resolved(services: Services, client: WebClient, incident_id: int, actor: str | None) -> None:
    schedule(services, incident_id)
    if services.settings.config.postmortem.auto_on_resolve:
        postmortem_flow.generate(services, client, incident_id, actor)


@hooks.on(hooks.ON_REOPENED)
def on_reopened(services: Services, client: WebClient, incident_id: int, actor: str | None) -> None:
    cancel(services, incident_id)
