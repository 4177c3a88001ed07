"""Filling the gaps: what was said in incident channels while Sitrep was not listening.

Reads each channel's history (conversations.history, then conversations.replies
for threads that changed), page by page, and stores through the same code as
live capture, so a message already captured is left alone and nothing is kept
twice. Edits, deletions and reactions made meanwhile are brought up to date:
history shows the current text, and a top-level message missing from a full
read of the history was deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows import capture_events
from bot.workflows.db_writes import AfterCommit, run_after_commit, transact
from bot.workflows.slack_errors import error_code
from bot.workflows.slack_messages import Identity, record
from config.reactions import emoji_name
from core import incidents, timeline
from core.events import record_system_event
from storage.models import Incident, TimelineEvent
from storage.types import utcnow

log = logging.getLogger(__name__)
PAGE_SIZE = 200
# Slack's clock and ours differ a little; never judge the newest messages deleted.
CLOCK_MARGIN = timedelta(seconds=60)


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    reactions: int = 0
    error: str = ""
    capped: bool = False  # stopped at the message cap: the newest messages only

    def __iadd__(self, other: SyncResult) -> SyncResult:
        self.added += other.added
        self.updated += other.updated
        self.deleted += other.deleted
        self.reactions += other.reactions
        self.error = self.error or other.error
        self.capped = self.capped or other.capped
        return self


def own_identity(client: WebClient) -> Identity:
    answer = client.auth_test()
    return Identity(user_id=answer.get("user_id"), bot_id=answer.get("bot_id"))


def backfill_open_incidents(services: Services, client: WebClient) -> SyncResult:
    """Start-up task: every open incident channel, one after the other."""
    with services.db.session() as session:
        teams = session.scalars(select(Incident.team_id).distinct()).all()
        statuses = services.settings.config.lifecycle.statuses
        open_ids = [i.id for t in teams for i in incidents.list_open(session, t, statuses)]
    total = SyncResult()
    if not open_ids:
        return total
    me = own_identity(client)
    for incident_id in open_ids:
        since = _last_recorded(services, incident_id)
        until = utcnow()
        result = sync_incident(services, client, incident_id, me)
        total += result
        if not result.error:
            _note_gap(services, incident_id, since, until)
    if total.added or total.updated or total.deleted:
        log.info(
            "filled timeline gaps: %d new, %d edited, %d deleted",
            total.added,
            total.updated,
            total.deleted,
        )
    return total


def _last_recorded(services: Services, incident_id: int) -> datetime | None:
    """When Sitrep last stored anything for the incident: as late as it surely listened."""
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        newest = session.scalar(
            select(func.max(TimelineEvent.recorded_at)).where(
                TimelineEvent.incident_id == incident_id
            )
        )
        declared = incident.declared_at if incident else None
    return max((t for t in (newest, declared) if t is not None), default=None)


def _note_gap(
    services: Services, incident_id: int, since: datetime | None, until: datetime
) -> None:
    """Say on the timeline that history was read back, and for which span.

    Slack's history holds each message as it is now, so what happened and was
    undone meanwhile (a reaction added and taken off) cannot be recovered;
    the entry says so rather than pretend the timeline is complete.
    """
    if since is None or since >= until:
        return
    text = services.templates.text("text/history_backfilled.txt.j2", since=since, until=until)

    def work(session: Session) -> None:
        incident = session.get_one(Incident, incident_id)
        record_system_event(
            session,
            incident,
            "history_backfilled",
            text,
            None,
            at=until,
            since=since.isoformat(),
            until=until.isoformat(),
        )

    transact(services.db, work)


def sync_incident(
    services: Services,
    client: WebClient,
    incident_id: int,
    me: Identity | None = None,
    max_messages: int | None = None,
) -> SyncResult:
    """Bring one incident's timeline up to date with its channel.

    ``max_messages`` caps how many messages (newest first, replies included)
    are read; a capped read is not a full one, so it judges nothing deleted.
    """
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        channel_id = incident.channel_id if incident else None
    result = SyncResult()
    if channel_id is None:
        return result
    me = me or own_identity(client)
    seen: set[str] = set()
    started = utcnow()
    budget = [max_messages if max_messages is not None else -1]

    def allowed(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if budget[0] < 0:
            return messages
        if len(messages) > budget[0]:
            result.capped = True
        messages, budget[0] = messages[: budget[0]], max(0, budget[0] - len(messages))
        return messages

    try:
        for page in _history(client, channel_id):
            page = allowed(page)
            kept = [m for m in page if not me.wrote(m)]
            seen.update(m["ts"] for m in page if m.get("ts"))
            result += _store_page(services, client, incident_id, channel_id, kept, me)
            for parent in kept:
                if _thread_changed(services, channel_id, parent):
                    for replies in _replies(client, channel_id, parent["ts"]):
                        mine = [m for m in allowed(replies) if not me.wrote(m)]
                        result += _store_page(services, client, incident_id, channel_id, mine, me)
                        if result.capped:
                            break
                if result.capped:
                    break
            if result.capped:
                break
    except SlackApiError as exc:
        result.error = error_code(exc)
        log.warning("reading the history of %s failed: %s", channel_id, result.error)
        return result
    if not result.capped:
        result += _mark_deleted(services, incident_id, channel_id, seen, started)
    return result


def _history(client: WebClient, channel_id: str) -> Iterator[list[dict[str, Any]]]:
    cursor = None
    while True:
        page = client.conversations_history(channel=channel_id, limit=PAGE_SIZE, cursor=cursor)
        yield list(page.get("messages") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _replies(client: WebClient, channel_id: str, ts: str) -> Iterator[list[dict[str, Any]]]:
    cursor = None
    while True:
        page = client.conversations_replies(
            channel=channel_id, ts=ts, limit=PAGE_SIZE, cursor=cursor
        )
        # Slack repeats the parent at the top of every page.
        yield [m for m in page.get("messages") or [] if m.get("ts") != ts]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _thread_changed(services: Services, channel_id: str, parent: dict[str, Any]) -> bool:
    """Read a thread only when its newest reply or reply count differs from ours."""
    count = int(parent.get("reply_count") or 0)
    if not count:
        return False
    with services.db.session() as session:
        stored = session.scalars(
            select(TimelineEvent.ts).where(
                TimelineEvent.channel_id == channel_id,
                TimelineEvent.thread_ts == parent["ts"],
                TimelineEvent.deleted_at.is_(None),
            )
        ).all()
    return len(stored) != count or parent.get("latest_reply") not in stored


def _store_page(
    services: Services,
    client: WebClient,
    incident_id: int,
    channel_id: str,
    messages: list[dict[str, Any]],
    me: Identity,
) -> SyncResult:
    meaning = services.settings.config.reactions.meaning
    afterwards: list[AfterCommit] = []

    def work(session: Session) -> SyncResult:
        afterwards.clear()
        result = SyncResult()
        incident = session.get_one(Incident, incident_id)
        for message in messages:
            if message.get("subtype") == "tombstone":
                row = timeline.find_message(session, channel_id, message["ts"])
                if row is not None and row.deleted_at is None:
                    timeline.delete_message(
                        session, incident, channel_id, row.ts or "", utcnow(), None, None, meaning
                    )
                    result.deleted += 1
                continue
            found = record(channel_id, message)
            if found is None:
                continue
            before = timeline.find_message(session, channel_id, found.ts)
            edited_before = before.edited_at if before is not None else None
            row = capture_events.store(session, incident, found, meaning, Identity())
            if row is not None:
                result.added += 1
            elif before is not None and before.edited_at != edited_before:
                result.updated += 1
            result.reactions += _reconcile_reactions(
                session, services, client, incident, channel_id, message, me, afterwards
            )
        return result

    result = transact(services.db, work)
    for after in afterwards:
        run_after_commit(after)
    return result


def _reconcile_reactions(
    session: Session,
    services: Services,
    client: WebClient,
    incident: Incident,
    channel_id: str,
    message: dict[str, Any],
    me: Identity,
    afterwards: list[AfterCommit],
) -> int:
    """Make our reactions match the message's; Slack may list only some of the people.

    Sitrep's own reactions are left out, as Bolt leaves out its own events.
    """
    ts, now, changed = message["ts"], utcnow(), 0
    reactions = services.settings.config.reactions
    listed: dict[str, tuple[set[str], bool]] = {}
    for reaction in message.get("reactions") or []:
        everyone = set(reaction.get("users") or [])
        complete = int(reaction.get("count") or 0) <= len(everyone)
        users = everyone - {me.user_id}
        listed[emoji_name(reaction.get("name", ""))] = (users, complete)
    for emoji, (users, _complete) in listed.items():
        for user_id in users:
            row = timeline.find_reaction(session, channel_id, ts, emoji, user_id)
            if row is not None and row.removed_at is None:
                continue
            first = timeline.add_reaction(session, channel_id, ts, emoji, user_id, now)
            changed += 1
            meaning = reactions.meaning(emoji)
            if first and meaning:
                event = {
                    "type": "reaction_added",
                    "user": user_id,
                    "reaction": emoji,
                    "item": {"type": "message", "channel": channel_id, "ts": ts},
                }
                row_now = timeline.find_message(session, channel_id, ts)
                afterwards.extend(
                    capture_events.after_reaction(
                        services, client, incident.id, meaning, event, row_now, user_id
                    )
                )
    for active in timeline.active_reactions(session, channel_id, ts):
        users, complete = listed.get(active.emoji, (set(), True))
        if complete and active.user_id not in users:
            timeline.remove_reaction(session, channel_id, ts, active.emoji, active.user_id, now)
            changed += 1
    if changed:
        timeline.refresh_curation(session, channel_id, ts, reactions.meaning)
    return changed


def _mark_deleted(
    services: Services, incident_id: int, channel_id: str, seen: set[str], started: datetime
) -> SyncResult:
    """Top-level messages we kept that a full read of the history no longer has.

    Only between the oldest message Slack still shows (plans limit how far
    back history goes) and the start of the read (later ones may be new).
    """
    meaning = services.settings.config.reactions.meaning
    if not seen:
        return SyncResult()
    oldest = min(timeline.ts_time(ts) for ts in seen)

    def work(session: Session) -> SyncResult:
        result = SyncResult()
        incident = session.get_one(Incident, incident_id)
        rows = session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.incident_id == incident_id,
                TimelineEvent.channel_id == channel_id,
                TimelineEvent.ts.is_not(None),
                TimelineEvent.thread_ts.is_(None),
                TimelineEvent.deleted_at.is_(None),
                TimelineEvent.occurred_at >= oldest,
                TimelineEvent.occurred_at < started - CLOCK_MARGIN,
            )
        ).all()
        for row in rows:
            if row.ts not in seen:
                timeline.delete_message(
                    session, incident, channel_id, row.ts or "", utcnow(), None, None, meaning
                )
                result.deleted += 1
        return result

    return transact(services.db, work)
