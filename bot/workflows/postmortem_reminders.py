"""Postmortem deadlines: the draft and the final are due a set time after the resolve.

Each deadline is one persisted scheduler job. When it fires, the IC is
reminded in the channel and by DM unless the work is already done; a row in
``sent_reminders`` keyed on the deadline makes a second delivery impossible,
whichever process or restart runs the job.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.services import Services
from bot.workflows import hooks
from bot.workflows import postmortem as postmortem_flow
from bot.workflows.dm import send_dm
from bot.workflows.slack_errors import error_code
from core import milestones, roles
from core.postmortem import versions
from storage.models import Incident, SentReminder
from storage.types import utcnow

log = logging.getLogger(__name__)

TASK = "postmortem.remind"
KIND = "postmortem"
STAGES = ("draft", "final")


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
    """Send one deadline's reminder if it is still needed; returns what happened."""
    try:
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
            key = f"{stage}:{due}"
            already = session.scalar(
                select(SentReminder.id).where(
                    SentReminder.incident_id == incident_id,
                    SentReminder.kind == KIND,
                    SentReminder.key == key,
                )
            )
            if already is not None:
                return "already sent"
            session.add(SentReminder(incident_id=incident_id, kind=KIND, key=key))
            session.flush()  # a concurrent sender fails here, before anything is posted
            holder = roles.current_holder(session, incident, roles.INCIDENT_COMMANDER)
            ic = holder.user_id if holder else incident.declared_by
            context = {
                "incident": incident,
                "stage": stage,
                "ic": ic,
                "latest": latest,
                "due": due,
            }
            posted = 0
            channel_message = services.templates.message(
                "messages/postmortem_reminder.json.j2", direct=False, **context
            )
            dm_message = services.templates.message(
                "messages/postmortem_reminder.json.j2", direct=True, **context
            )
            try:
                client.chat_postMessage(channel=incident.channel_id, **channel_message)
                posted += 1
            except SlackApiError as exc:
                log.warning("postmortem reminder in channel failed: %s", error_code(exc))
            try:
                send_dm(client, ic, dm_message)
                posted += 1
            except SlackApiError as exc:
                log.warning("postmortem reminder DM failed: %s", error_code(exc))
            if not posted:
                raise RuntimeError("neither the channel nor the IC could be reached")
    except IntegrityError:
        return "already sent"
    return "sent"


@hooks.on(hooks.ON_RESOLVED)
def on_resolved(services: Services, client: WebClient, incident_id: int, actor: str | None) -> None:
    schedule(services, incident_id)
    if services.settings.config.postmortem.auto_on_resolve:
        postmortem_flow.generate(services, client, incident_id, actor)


@hooks.on(hooks.ON_REOPENED)
def on_reopened(services: Services, client: WebClient, incident_id: int, actor: str | None) -> None:
    cancel(services, incident_id)
