"""Sending action-item digests, nudges and escalations by DM, each exactly once.

Every message has a row in ``digest_deliveries`` (unique on user, key, kind)
that goes ``pending`` -> ``sent``. The DM channel is stored on the row before
posting and the post carries the row id in its message metadata, so after a
crash between "Slack accepted it" and "we wrote that down" the next run finds
the message in the DM and marks it sent instead of sending it again.

Slack allows about one message per second per conversation: ``Pacer`` spaces
posts to the same DM. 429 answers are waited out by the client's retry handler.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import users
from bot.services import Services
from bot.workflows import hooks
from bot.workflows.action_items import item_views, nudge_message
from bot.workflows.slack_errors import error_code
from core import action_items, nudges, roles
from core.due_dates import local_now
from storage.models import ActionItem, DigestDelivery, Incident
from storage.types import utcnow

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
METADATA_EVENT = "sitrep_action_items"
RECOVERY_LOOKBACK = 50
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
            if message.kind == nudges.OVERDUE:
                _fire_overdue(services, client, message.item_ids)
        elif outcome == PENDING:
            report.pending += 1
        elif outcome == FAILED:
            report.failed += 1
    return report


def _fire_overdue(services: Services, client: WebClient, item_ids: tuple[int, ...]) -> None:
    """Once per overdue nudge sent (the delivery claim makes it once), for each incident."""
    with services.db.session() as session:
        incident_ids = set(
            session.scalars(select(ActionItem.incident_id).where(ActionItem.id.in_(item_ids)))
        )
    for incident_id in sorted(incident_ids):
        hooks.fire(hooks.ON_ACTION_ITEM_OVERDUE, services, client, incident_id, None)


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


def _claim(services: Services, message: nudges.Planned) -> DigestDelivery:
    """The delivery row for this message, created pending if it is new."""
    key = (
        DigestDelivery.user_id == message.user_id,
        DigestDelivery.week == message.key,
        DigestDelivery.kind == message.kind,
    )
    with services.db.session() as session:
        row = session.scalars(select(DigestDelivery).where(*key)).first()
        if row is not None:
            return row
    try:
        with services.db.session() as session:
            row = DigestDelivery(
                user_id=message.user_id, week=message.key, kind=message.kind, status=PENDING
            )
            session.add(row)
            session.flush()
            return row
    except IntegrityError:  # another process claimed it first; theirs is the one
        with services.db.session() as session:
            return session.scalars(select(DigestDelivery).where(*key)).one()


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
    row = _claim(services, message)
    if row.status != PENDING:
        return "already"
    item_ids = _items_for(services, message)
    if not item_ids:
        _finish(services, row.id, SKIPPED)
        return SKIPPED
    try:
        channel = (
            row.channel_id or client.conversations_open(users=message.user_id)["channel"]["id"]
        )
        if row.channel_id is None:
            with services.db.session() as session:
                session.get_one(DigestDelivery, row.id).channel_id = channel
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
            "event_payload": {"delivery_id": row.id, "kind": message.kind, "items": item_ids},
        }
        pacer.wait(channel)
        posted = client.chat_postMessage(channel=channel, metadata=metadata, **body)
        pacer.sent(channel)
    except SlackApiError as exc:
        code = error_code(exc)
        if code in PERMANENT:
            log.warning("cannot DM %s (%s); giving up on this one", message.user_id, code)
            _finish(services, row.id, FAILED)
            return FAILED
        log.warning("DM to %s failed (%s); the next run retries", message.user_id, code)
        return PENDING
    _finish(services, row.id, SENT, ts=posted["ts"], escalated=item_ids, kind=message.kind)
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
    with services.db.session() as session:
        row = session.get_one(DigestDelivery, row_id)
        row.status = status
        if ts is not None:
            row.ts = ts
            row.sent_at = utcnow()
        if status == SENT and kind == nudges.ESCALATION and escalated:
            session.execute(
                update(ActionItem)
                .where(ActionItem.id.in_(escalated))
                .values(ic_notified_at=utcnow())
            )


def recover(services: Services, client: WebClient) -> int:
    """Mark sent the pending deliveries whose message did reach Slack before a crash."""
    with services.db.session() as session:
        attempted = list(
            session.scalars(
                select(DigestDelivery).where(
                    DigestDelivery.status == PENDING, DigestDelivery.channel_id.is_not(None)
                )
            )
        )
    found = 0
    for row in attempted:
        try:
            history = client.conversations_history(
                channel=row.channel_id, limit=RECOVERY_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as exc:
            log.warning(
                "could not check DM %s for a lost send: %s", row.channel_id, error_code(exc)
            )
            continue
        for posted in history.get("messages", []):
            payload = (posted.get("metadata") or {}).get("event_payload") or {}
            if (posted.get("metadata") or {}).get("event_type") == METADATA_EVENT and payload.get(
                "delivery_id"
            ) == row.id:
                _finish(
                    services,
                    row.id,
                    SENT,
                    ts=posted["ts"],
                    escalated=list(payload.get("items") or []),
                    kind=row.kind,
                )
                found += 1
                break
    return found
