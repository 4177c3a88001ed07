"""Applying one captured Slack event to the timeline, inside the writer's transaction.

Each kind of event Sitrep subscribes to in incident channels (messages with
their edits and deletions, reactions, joins and leaves) has an applier here.
Appliers only write; work that talks to Slack (a reaction's category hook) is
handed back to run once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows.db_writes import AfterCommit
from bot.workflows.reaction_hooks import HOOKS
from bot.workflows.slack_messages import Identity, record
from config.reactions import emoji_name
from core import log_context, timeline
from core.timeline import JOIN, LEAVE, ts_time
from storage.models import Incident, TimelineEvent
from storage.types import utcnow

MESSAGE, REACTION_ADDED, REACTION_REMOVED = "message", "reaction_added", "reaction_removed"
MEMBER_JOINED, MEMBER_LEFT = "member_joined_channel", "member_left_channel"


@dataclass(frozen=True)
class Job:
    """One Slack event to apply, with what the writer needs to apply it later."""

    kind: str
    event: dict[str, Any]
    channel_id: str
    incident_id: int | None
    event_id: str | None = None
    event_time: int | None = None
    identity: Identity = field(default_factory=Identity)
    client: WebClient | None = None


def event_at(event: dict[str, Any], event_time: int | None) -> datetime:
    stamp = event.get("event_ts") or event.get("ts")
    if stamp:
        return ts_time(str(stamp))
    if event_time:
        return ts_time(str(event_time))
    return utcnow()


def apply(session: Session, services: Services, job: Job) -> list[AfterCommit]:
    """Apply one event in ``session``; returns work to run once it has committed."""
    incident_id = job.incident_id
    if incident_id is None:
        incident_id = session.scalar(
            select(Incident.id).where(Incident.channel_id == job.channel_id)
        )
    if incident_id is None:
        return []
    # Held here for the whole batch: the session's identity map only keeps weak
    # references, and loading the incident again per event would flush each time.
    held: dict[int, Incident | None] = session.info.setdefault("capture.incidents", {})
    if incident_id not in held:
        held[incident_id] = session.get(Incident, incident_id)
    incident = held[incident_id]
    if incident is None:
        return []
    if job.event_id and not timeline.claim_event(session, job.event_id):
        return []  # a redelivery
    with log_context.bound(incident=incident.number, incident_id=incident.id):
        return APPLIERS[job.kind](session, services, incident, job)


def _message(
    session: Session, services: Services, incident: Incident, job: Job
) -> list[AfterCommit]:
    event, meaning = job.event, services.settings.config.reactions.meaning
    channel_id = job.channel_id
    subtype = event.get("subtype")
    if subtype == "message_changed":
        inner = event.get("message") or {}
        if job.identity.wrote(inner) or not inner.get("ts"):
            return []
        if inner.get("subtype") == "tombstone":  # a thread parent was deleted
            at = event_at(event, job.event_time)
            timeline.delete_message(
                session, incident, channel_id, inner["ts"], at, None, None, meaning
            )
            return []
        changed = record(channel_id, inner)
        if changed is not None:
            # Without "edited" it is Slack's bookkeeping (reply counts, unfurls):
            # stored if we never saw the message, otherwise nothing changed.
            timeline.edit_message(session, incident, changed, meaning)
        return []
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or previous.get("ts")
        if job.identity.wrote(previous) or not ts:
            return []
        before = record(channel_id, previous) if previous else None
        author = previous.get("user") or None
        at = event_at(event, job.event_time)
        timeline.delete_message(session, incident, channel_id, ts, at, author, before, meaning)
        return []
    if job.identity.wrote(event):
        return []
    message = record(channel_id, event)
    if message is not None:
        store(session, incident, message, meaning, job.identity)
    return []


def store(
    session: Session,
    incident: Incident,
    message: timeline.MessageRecord,
    meaning: timeline.Meaning,
    identity: Identity,
) -> TimelineEvent | None:
    """Store a message and keep the participant list in step with joins and leaves."""
    row = timeline.store_message(session, incident, message, meaning)
    if message.user_id and message.user_id != identity.user_id:
        if message.kind == JOIN:
            timeline.note_joined(session, incident, message.user_id, message.at)
        elif message.kind == LEAVE:
            timeline.note_left(session, incident, message.user_id, message.at)
    return row


def _reaction(
    session: Session, services: Services, incident: Incident, job: Job
) -> list[AfterCommit]:
    event = job.event
    item = event.get("item") or {}
    user_id, raw = event.get("user"), event.get("reaction")
    if item.get("type") != "message" or not item.get("ts") or not user_id or not raw:
        return []
    emoji, at = emoji_name(raw), event_at(event, job.event_time)
    reactions = services.settings.config.reactions
    if job.kind == REACTION_ADDED:
        first = timeline.add_reaction(session, job.channel_id, item["ts"], emoji, user_id, at)
    else:
        timeline.remove_reaction(session, job.channel_id, item["ts"], emoji, user_id, at)
        first = False
    row = timeline.refresh_curation(session, job.channel_id, item["ts"], reactions.meaning)
    meaning = reactions.meaning(emoji)
    if not first or meaning is None:
        return []
    return after_reaction(services, job.client, incident.id, meaning, event, row, user_id)


def after_reaction(
    services: Services,
    client: WebClient | None,
    incident_id: int,
    meaning: str,
    event: dict[str, Any],
    row: TimelineEvent | None,
    user_id: str,
) -> list[AfterCommit]:
    """The hook for a newly added reaction's category, to run after the commit."""
    hook = HOOKS.get(meaning)
    if hook is None or client is None:
        return []
    payload = {**event, "message": entry(row) if row is not None else None}

    def run() -> None:
        hook(services, client, incident_id, payload, user_id)

    run.__name__ = f"reaction hook {meaning}"
    return [run]


def entry(row: TimelineEvent) -> dict[str, Any]:
    """A stored message as hooks see it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "channel_id": row.channel_id,
        "ts": row.ts,
        "thread_ts": row.thread_ts,
        "user_id": row.user_id,
        "text": row.text,
        "occurred_at": row.occurred_at.isoformat(),
        "categories": list(row.categories or []),
        "is_key": row.is_key,
    }


def _membership(
    session: Session, services: Services, incident: Incident, job: Job
) -> list[AfterCommit]:
    user_id = job.event.get("user")
    if not user_id or user_id == job.identity.user_id:
        return []
    at = event_at(job.event, job.event_time)
    if job.kind == MEMBER_JOINED:
        timeline.note_joined(session, incident, user_id, at)
    else:
        timeline.note_left(session, incident, user_id, at)
    return []


APPLIERS: dict[str, Callable[[Session, Services, Incident, Job], list[AfterCommit]]] = {
    MESSAGE: _message,
    REACTION_ADDED: _reaction,
    REACTION_REMOVED: _reaction,
    MEMBER_JOINED: _membership,
    MEMBER_LEFT: _membership,
}


def message_keys(job: Job) -> list[tuple[str, str]]:
    """The (channel, ts) of every message an event touches."""
    event = job.event
    if job.kind in (REACTION_ADDED, REACTION_REMOVED):
        stamps = [(event.get("item") or {}).get("ts")]
    elif job.kind == MESSAGE:
        stamps = [
            event.get("ts"),
            (event.get("message") or {}).get("ts"),
            event.get("deleted_ts"),
        ]
    else:
        stamps = []
    return [(job.channel_id, ts) for ts in stamps if ts]
