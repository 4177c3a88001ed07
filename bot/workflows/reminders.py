"""Update reminders, escalations and IC-fatigue nudges: scheduling them and sending each once.

Jobs in APScheduler's store make reminders punctual; the sweep task finds
anything a lost job missed from the incidents' own state. Both go through
``deliver``, which claims the occasion in ``sent_reminders`` before posting,
so running it twice, or in two processes, posts once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update

from bot.services import Services
from bot.workflows import card, hooks
from bot.workflows.slack_errors import error_code
from core import cadence, roles
from storage.models import Incident
from storage.types import utcnow

log = logging.getLogger(__name__)

TASK_FOR = {
    cadence.REMIND: "cadence.remind",
    cadence.ESCALATE: "cadence.escalate",
    cadence.FATIGUE: "cadence.ic_fatigue",
}
TEMPLATE_FOR = {
    cadence.REMIND: "messages/update_reminder.json.j2",
    cadence.ESCALATE: "messages/update_escalation.json.j2",
    cadence.FATIGUE: "messages/ic_fatigue.json.j2",
}
METADATA_TYPE = "sitrep_reminder"
# Slack errors after which posting again cannot help.
PERMANENT = {"channel_not_found", "is_archived", "not_in_channel", "invalid_blocks"}
EARLY = timedelta(seconds=1)  # a job may wake a moment before the stored time


# Jobs due sooner than this are left alone: the scheduler may be running them
# right now, and a job that is no longer wanted finds that out and does nothing.
SAFE_TO_CANCEL = timedelta(seconds=5)


def job_id(kind: str, incident_id: int, key: str) -> str:
    """One job per occasion: a job is never replaced while it might be running."""
    return f"{kind}:{incident_id}:{key}"


def _sync_jobs(
    scheduler: Any, kind: str, incident_id: int, wanted: tuple[datetime, str] | None
) -> None:
    """Keep exactly the wanted job of this kind for the incident (plus any about to run)."""
    keep = job_id(kind, incident_id, wanted[1]) if wanted else None
    soon = utcnow() + SAFE_TO_CANCEL
    stored = scheduler.stored_jobs(f"{kind}:{incident_id}:")
    for stored_id, next_run in stored.items():
        if stored_id != keep and (next_run is None or next_run > soon):
            scheduler.cancel(stored_id)
    if wanted is not None and keep not in stored:
        scheduler.schedule_once(keep, TASK_FOR[kind], wanted[0], incident_id, wanted[1])


def reschedule(services: Services, incident_id: int) -> None:
    """Line the stored jobs up with the incident: next update reminder and IC fatigue."""
    scheduler = services.scheduler
    if scheduler is None:
        return  # a one-shot command; the serving processes' sweep covers it
    config = services.settings.config.lifecycle
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        is_open = incident is not None and config.statuses.is_open(incident.status)
        due = incident.next_update_due_at if incident is not None and is_open else None
        tired = (
            cadence.fatigue_due(session, incident, config.cadence.ic_fatigue)
            if incident is not None and is_open
            else None
        )
    _sync_jobs(scheduler, cadence.ESCALATE, incident_id, None)
    _sync_jobs(scheduler, cadence.REMIND, incident_id, (due, cadence.key_for(due)) if due else None)
    _sync_jobs(
        scheduler, cadence.FATIGUE, incident_id, (tired[1], str(tired[0].id)) if tired else None
    )


def _relevant(
    services: Services, incident_id: int, kind: str, key: str, now: datetime
) -> dict[str, Any] | None:
    """The message context when this reminder is still due; None when it became moot."""
    config = services.settings.config
    lifecycle = config.lifecycle
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return None
        if not lifecycle.statuses.is_open(incident.status):
            return None
        holders = roles.current_holders(session, incident)
        context: dict[str, Any] = {
            "incident": incident,
            "severity": card.severity_of(services, incident),
            "holders": holders,
            "role_names": {r.key: r.name for r in config.roles.roles},
            "last_update": cadence.last_update(session, incident),
            "grace": lifecycle.cadence.grace,
            "cadence": cadence.cadence_for(config.severities, incident),
        }
        if kind in (cadence.REMIND, cadence.ESCALATE):
            due = incident.next_update_due_at
            if due is None or cadence.key_for(due) != key or due > now + EARLY:
                return None
            context["due"] = due
            if kind == cadence.ESCALATE:
                reminded = cadence.reminder(session, incident_id, cadence.REMIND, key)
                if reminded is None or reminded.state != cadence.SENT:
                    return None
                if reminded.sent_at + lifecycle.cadence.grace > now + EARLY:
                    return None
                context["reminded_at"] = reminded.sent_at
            return context
        if kind == cadence.FATIGUE:
            tired = cadence.fatigue_due(session, incident, lifecycle.cadence.ic_fatigue)
            if tired is None or str(tired[0].id) != key or tired[1] > now + EARLY:
                return None
            context["since"] = tired[0].assigned_at
            context["held_for"] = now - tired[0].assigned_at
            return context
    return None


def _already_posted(
    client: WebClient, channel: str, since: datetime, kind: str, key: str
) -> str | None:
    """After a crash mid-send: the ts of the reminder if Slack has it, so it is not sent twice."""
    try:
        page = client.conversations_history(
            channel=channel,
            oldest=f"{since.timestamp() - 5:.6f}",
            include_all_metadata=True,
            limit=200,
        )
    except SlackApiError as exc:
        log.warning("could not check %s for a half-sent reminder: %s", channel, error_code(exc))
        return None
    for message in page.get("messages") or []:
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if (
            meta.get("event_type") == METADATA_TYPE
            and payload.get("kind") == kind
            and payload.get("key") == key
        ):
            return message.get("ts")
    return None


def deliver(services: Services, client: WebClient, incident_id: int, kind: str, key: str) -> str:
    """Send one reminder if it is still due and nobody sent it; returns what happened."""
    now = utcnow()
    context = _relevant(services, incident_id, kind, key, now)
    if context is None:
        if kind == cadence.ESCALATE:
            _advance(services, client, incident_id, key)
        return "not due"
    incident: Incident = context["incident"]
    lifecycle = services.settings.config.lifecycle
    claim = cadence.claim(services.db, incident_id, kind, key, now, lifecycle.cadence.claim_timeout)
    if claim is None:
        if kind == cadence.ESCALATE:
            _advance(services, client, incident_id, key)
        return "already sent"
    channel = incident.channel_id
    assert channel is not None
    ts = None
    if claim.retry:
        ts = _already_posted(client, channel, claim.since, kind, key)
        log.warning(
            "INC %s: finishing a %s reminder that a stopped process left half sent (%s)",
            incident_id,
            kind,
            "it was posted" if ts else "it was not posted",
        )
    if ts is None:
        message = services.templates.message(TEMPLATE_FOR[kind], **context)
        metadata = {
            "event_type": METADATA_TYPE,
            "event_payload": {"incident_id": incident_id, "kind": kind, "key": key},
        }
        try:
            ts = client.chat_postMessage(channel=channel, metadata=metadata, **message)["ts"]
        except SlackApiError as exc:
            code = error_code(exc)
            if code in PERMANENT:
                cadence.finish(services.db, claim, cadence.FAILED, None, utcnow())
                log.warning("INC %s: %s reminder cannot be posted: %s", incident_id, kind, code)
                return f"failed: {code}"
            cadence.release(services.db, claim)  # the next sweep tries again
            raise
    sent_at = utcnow()
    cadence.finish(services.db, claim, cadence.SENT, ts, sent_at)
    log.info("INC %s: sent %s reminder for %s", incident_id, kind, key)
    if kind == cadence.REMIND and services.scheduler is not None:
        services.scheduler.schedule_once(
            job_id(cadence.ESCALATE, incident_id, key),
            TASK_FOR[cadence.ESCALATE],
            sent_at + lifecycle.cadence.grace,
            incident_id,
            key,
        )
    if kind == cadence.ESCALATE:
        _advance(services, client, incident_id, key)
    return "sent"


def _advance(services: Services, client: WebClient, incident_id: int, key: str) -> None:
    """Once a missed update has been escalated, start the next cycle (only once, in one process)."""
    config = services.settings.config
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        due = incident.next_update_due_at if incident is not None else None
        if incident is None or due is None or cadence.key_for(due) != key:
            return
        escalated = cadence.reminder(session, incident_id, cadence.ESCALATE, key)
        if escalated is None or escalated.state == cadence.SENDING:
            return
        following = cadence.next_cycle(
            due, cadence.cadence_for(config.severities, incident), utcnow()
        )
        moved = session.execute(
            update(Incident)
            .where(Incident.id == incident_id, Incident.next_update_due_at == due)
            .values(next_update_due_at=following)
        )
        if moved.rowcount != 1:
            return
    reschedule(services, incident_id)
    try:
        card.refresh(services, client, incident_id)
    except SlackApiError as exc:
        log.warning(
            "INC %s: card refresh after escalation failed: %s", incident_id, error_code(exc)
        )


def sweep(services: Services, client: WebClient) -> int:
    """Send everything that is due and unsent; returns how many were sent."""
    lifecycle = services.settings.config.lifecycle
    now = utcnow()
    with services.db.session() as session:
        work = cadence.due_work(
            session, now, lifecycle.cadence.grace, lifecycle.cadence.ic_fatigue, lifecycle.statuses
        )
    sent = 0
    for item in work:
        try:
            if deliver(services, client, item.incident_id, item.kind, item.key) == "sent":
                sent += 1
        except Exception:  # one incident's trouble must not stop the others
            log.exception("INC %s: %s reminder failed", item.incident_id, item.kind)
    return sent


@hooks.on(hooks.ON_DECLARED)
def start_clock(
    services: Services, _client: WebClient, incident_id: int, _actor: str | None
) -> None:
    """A new incident's first update is due one cadence after declaring."""
    reschedule(services, incident_id)
