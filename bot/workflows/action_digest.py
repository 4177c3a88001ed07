"""Sending action-item digests, nudges and escalations by DM, each exactly once.

Every message has a row in ``digest_deliveries`` (unique on user, key, kind)
that goes ``pending`` -> ``sent``, claimed before posting (``storage.claims``),
so a manual run racing the scheduled one never posts a message twice. The DM
channel is stored on the row before posting and the post carries the row id
in its message metadata, so after a crash between "Slack accepted it" and "we
wrote that down" the next run finds the message in the DM and marks it sent
instead of sending it again.

Slack allows about one message per second per conversation: ``Pacer`` spaces
posts to the same DM. 429 answers are waited out by the client's retry handler.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import users
from bot.services import Services
from bot.workflows.action_items import item_views, nudge_message
from bot.workflows.slack_errors import error_code
from core import action_items, nudges, roles
from core.due_dates import local_now
from storage import claims
from storage.models import ActionItem, DigestDelivery, Incident
from storage.types import utcnow

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
METADATA_EVENT = "sitrep_action_items"
RECOVERY_LOOKBACK = 50
# A claim older than this is taken over even when its holder may run elsewhere;
# one DM takes seconds, and a holder on this machine that has died frees it at once.
STALE_CLAIM = timedelta(minutes=5)
# Errors that will not go away by trying again this week.
PERMANENT = {
    "user_not_found",
    "user_disabled",
    "account_inactive",
    "cannot_dm_bot",
    "users_not_found",
    "not_allowed",
}


class Pacer:
    """At most one post per second into each conversation."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            last = self._last.get(channel)
        if last is not None:
            gap = self.interval - (time.monotonic() - last)
            if gap > 0:
                time.sleep(gap)

    def sent(self, channel: str) -> None:
        with self._lock:
            self._last[channel] = time.monotonic()


@dataclass
class Report:
    sent: dict[str, int] = field(default_factory=dict)
    recovered: int = 0
    pending: int = 0
    failed: int = 0

    def __str__(self) -> str:
        counts = ", ".join(f"{kind} {n}" for kind, n in sorted(self.sent.items())) or "nothing"
        return (
            f"action-item-digest: sent {counts}; recovered {self.recovered} after an "
            f"interruption; {self.pending} left pending; {self.failed} undeliverable"
        )


def run(services: Services, client: WebClient, now: datetime | None = None) -> Report:
    now = now or utcnow()
    report = Report()
    pacer = Pacer()
    report.recovered = recover(services, client)
    config = services.settings.config.action_items
    schedule = nudges.Schedule(
        weekday=config.digest_weekday,
        at=config.digest_time,
        due_soon_days=config.due_soon_days,
        escalate_after_days=config.escalate_after_days,
    )
    with services.db.session() as session:
        items = action_items.open_items(session)
        ics = _incident_commanders(session, {i.incident_id for i in items})
    zones: dict[str, str] = {}

    def tz_of(user_id: str) -> str:
        if user_id not in zones:
            zones[user_id] = users.user_tz(services, client, user_id)
        return zones[user_id]

    planned = nudges.plan(items, now, schedule, tz_of, ics.get)
    for message in planned:
        outcome = deliver(services, client, message, zones.get(message.user_id, "UTC"), now, pacer)
        if outcome == SENT:
            report.sent[message.kind] = report.sent.get(message.kind, 0) + 1
        elif outcome == PENDING:
            report.pending += 1
        elif outcome == FAILED:
            report.failed += 1
    return report


def _incident_commanders(session: Any, incident_ids: set[int]) -> dict[int, str | None]:
    """Who to tell when an item slips: the current IC, else whoever declared the incident."""
    found: dict[int, str | None] = {}
    for incident_id in incident_ids:
        incident = session.get(Incident, incident_id)
        if incident is None:
            continue
        holder = roles.current_holder(session, incident, roles.INCIDENT_COMMANDER)
        found[incident_id] = holder.user_id if holder else incident.declared_by
    return found


def _key(message: nudges.Planned) -> dict[str, str]:
    """The delivery row's once-only key: one message of a kind per person per occasion."""
    return {"team_id": "", "user_id": message.user_id, "week": message.key, "kind": message.kind}


def _items_for(services: Services, message: nudges.Planned) -> list[int]:
    """The items to send; escalations leave out items another message already escalated."""
    if message.kind != nudges.ESCALATION:
        return list(message.item_ids)
    with services.db.session() as session:
        return list(
            session.scalars(
                select(ActionItem.id).where(
                    ActionItem.id.in_(message.item_ids), ActionItem.ic_notified_at.is_(None)
                )
            )
        )


def deliver(
    services: Services,
    client: WebClient,
    message: nudges.Planned,
    tz: str,
    now: datetime,
    pacer: Pacer,
) -> str:
    held = claims.claim(
        services.db, claims.DIGEST_DELIVERIES, _key(message), now=utcnow(), stale_after=STALE_CLAIM
    )
    if held is None:
        return "already"  # sent, given up on, or being sent by another run right now
    with services.db.session() as session:
        channel = session.get_one(DigestDelivery, held.id).channel_id
    if held.retry and channel and _recover(services, client, held.id, channel, message.kind):
        return "already"  # the run that died had posted it
    item_ids = _items_for(services, message)
    if not item_ids:
        _finish(services, held.id, SKIPPED)
        return SKIPPED
    try:
        if channel is None:
            channel = client.conversations_open(users=message.user_id)["channel"]["id"]
            with services.db.session() as session:
                session.get_one(DigestDelivery, held.id).channel_id = channel
        today = local_now(tz, now).date()
        with services.db.session() as session:
            if message.kind == nudges.ESCALATION:
                body = _escalation_message(services, session, message.user_id, item_ids, today)
            else:
                body = nudge_message(
                    services, session, message.kind, item_ids, message.user_id, today
                )
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"delivery_id": held.id, "kind": message.kind, "items": item_ids},
        }
        pacer.wait(channel)
        posted = client.chat_postMessage(channel=channel, metadata=metadata, **body)
        pacer.sent(channel)
    except SlackApiError as exc:
        code = error_code(exc)
        if code in PERMANENT:
            log.warning("cannot DM %s (%s); giving up on this one", message.user_id, code)
            _finish(services, held.id, FAILED)
            return FAILED
        log.warning("DM to %s failed (%s); the next run retries", message.user_id, code)
        claims.release(services.db, claims.DIGEST_DELIVERIES, held)
        return PENDING
    _finish(services, held.id, SENT, ts=posted["ts"], escalated=item_ids, kind=message.kind)
    return SENT


def _escalation_message(
    services: Services, session: Any, ic: str, item_ids: list[int], today: Any
) -> dict[str, Any]:
    items = [session.get_one(ActionItem, n) for n in item_ids]
    return services.templates.message(
        "messages/action_item_escalation.json.j2",
        reader=ic,
        items=item_views(session, items, today),
        after_days=services.settings.config.action_items.escalate_after_days,
    )


def _finish(
    services: Services,
    row_id: int,
    status: str,
    *,
    ts: str | None = None,
    escalated: list[int] | None = None,
    kind: str = "",
) -> None:
    def mark_escalated(session: Session) -> None:
        if status == SENT and kind == nudges.ESCALATION and escalated:
            session.execute(
                update(ActionItem)
                .where(ActionItem.id.in_(escalated))
                .values(ic_notified_at=utcnow())
            )

    values: dict[str, Any] = {} if ts is None else {"ts": ts, "sent_at": utcnow()}
    claims.finish(
        services.db, claims.DIGEST_DELIVERIES, row_id, status, then=mark_escalated, **values
    )


def _posted(client: WebClient, channel: str, row_id: int) -> dict[str, Any] | None:
    """The message a run posted for this delivery, if Slack has it."""
    history = client.conversations_history(
        channel=channel, limit=RECOVERY_LOOKBACK, include_all_metadata=True
    )
    for posted in history.get("messages", []):
        meta = posted.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if meta.get("event_type") == METADATA_EVENT and payload.get("delivery_id") == row_id:
            return dict(posted)
    return None


def _recover(services: Services, client: WebClient, row_id: int, channel: str, kind: str) -> bool:
    """Mark the delivery sent if its message reached Slack before a crash."""
    try:
        posted = _posted(client, channel, row_id)
    except SlackApiError as exc:
        log.warning("could not check DM %s for a lost send: %s", channel, error_code(exc))
        return False
    if posted is None:
        return False
    payload = posted["metadata"]["event_payload"]
    _finish(
        services,
        row_id,
        SENT,
        ts=posted["ts"],
        escalated=list(payload.get("items") or []),
        kind=kind,
    )
    return True


def recover(services: Services, client: WebClient) -> int:
    """Mark sent the pending deliveries whose message did reach Slack before a crash."""
    with services.db.session() as session:
        attempted = [
            (row.id, row.channel_id, row.kind)
            for row in session.scalars(
                select(DigestDelivery).where(
                    DigestDelivery.status == PENDING,
                    DigestDelivery.channel_id.is_not(None),
                    DigestDelivery.user_id != "",
                )
            )
        ]
    return sum(
        1
        for row_id, channel, kind in attempted
        if _recover(services, client, row_id, channel, kind)
    )
