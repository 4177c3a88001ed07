"""One action-item DM per person per run, sent once, whatever crashes or races around it.

A run plans a person's messages (``core.nudges``): perhaps a weekly digest and
a due-soon nudge for the same item, at the same minute. They go as one DM. The
first message of the bundle that can be claimed is the DM's own delivery row;
the rest are claimed too and recorded with it, so a nudge the digest stood in
for is not sent again later. Each row goes ``pending`` -> ``sent`` through
``storage.claims``: claimed and committed before Slack is called, so a manual
run racing the scheduled one never posts twice.

The DM channel is stored on the row before posting and the post carries the
row ids in its message metadata, so after a crash between "Slack accepted it"
and "we wrote that down" the next run finds the message and marks it sent.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows.action_items import item_views, nudge_message
from bot.workflows.slack_errors import error_code
from core import nudges
from core.due_dates import local_now
from storage import claims
from storage.claims import Claim
from storage.models import ActionItem, DigestDelivery
from storage.types import utcnow

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, SKIPPED, ALREADY = "pending", "sent", "failed", "skipped", "already"
METADATA_EVENT = "sitrep_action_items"
RECOVERY_LOOKBACK = 50
# A claim older than this is taken over even when its holder may run elsewhere;
# one DM takes seconds, and a holder on this machine that has died frees it at once.
STALE_CLAIM = timedelta(minutes=5)
LEDGER = claims.DIGEST_DELIVERIES
# Errors that will not go away by trying again this week.
PERMANENT = {
    "user_not_found",
    "user_disabled",
    "account_inactive",
    "cannot_dm_bot",
    "users_not_found",
    "not_allowed",
}


class Paces(Protocol):
    def wait(self, channel: str) -> None: ...

    def sent(self, channel: str) -> None: ...


def _key(message: nudges.Planned) -> dict[str, str]:
    """The delivery row's once-only key: one message of a kind per person per occasion."""
    return {"team_id": "", "user_id": message.user_id, "week": message.key, "kind": message.kind}


def _claim(services: Services, message: nudges.Planned) -> Claim | None:
    return claims.claim(services.db, LEDGER, _key(message), now=utcnow(), stale_after=STALE_CLAIM)


def _being_sent(services: Services, message: nudges.Planned) -> bool:
    """Whether another run holds this message right now (rather than having sent it)."""
    with services.db.session() as session:
        status = session.scalar(select(DigestDelivery.status).filter_by(**_key(message)))
    return status == PENDING


def deliver(
    services: Services,
    client: WebClient,
    bundle: tuple[nudges.Planned, ...],
    tz: str,
    now: datetime,
    pacer: Paces,
) -> tuple[str, str]:
    """Send one person's messages of this run as one DM; returns (its kind, what happened)."""
    waiting = list(bundle)
    while waiting:
        primary = waiting.pop(0)
        held = _claim(services, primary)
        if held is not None:
            break
        if _being_sent(services, primary):
            return primary.kind, ALREADY  # another run is sending this person's DM now
    else:
        return bundle[0].kind, ALREADY  # everything in it went out already
    covered: list[tuple[nudges.Planned, Claim]] = []
    for message in waiting:
        claimed = _claim(services, message)
        if claimed is not None:
            covered.append((message, claimed))
    everything = [held, *(c for _, c in covered)]
    with services.db.session() as session:
        channel = session.get_one(DigestDelivery, held.id).channel_id
    if held.retry and channel and _recover(services, client, held.id, channel, primary.kind):
        for _, claimed in covered:  # not part of what the stopped run sent: next run's
            claims.release(services.db, LEDGER, claimed)
        return primary.kind, ALREADY
    kind = primary.kind if primary.kind == nudges.DIGEST or not covered else nudges.NUDGES
    item_ids = _items_for(services, primary, [m for m, _ in covered])
    if not item_ids:
        _finish(services, everything, SKIPPED)
        return kind, SKIPPED
    try:
        if channel is None:
            channel = client.conversations_open(users=primary.user_id)["channel"]["id"]
            with services.db.session() as session:
                session.get_one(DigestDelivery, held.id).channel_id = channel
        today = local_now(tz, now).date()
        with services.db.session() as session:
            body = _render(services, session, kind, primary.user_id, item_ids, today)
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {
                "delivery_id": held.id,
                "covers": [c.id for _, c in covered],
                "kind": kind,
                "items": item_ids,
            },
        }
        pacer.wait(channel)
        posted = client.chat_postMessage(channel=channel, metadata=metadata, **body)
        pacer.sent(channel)
    except SlackApiError as exc:
        code = error_code(exc)
        if code in PERMANENT:
            log.warning("cannot DM %s (%s); giving up on this one", primary.user_id, code)
            _finish(services, everything, FAILED)
            return kind, FAILED
        log.warning("DM to %s failed (%s); the next run retries", primary.user_id, code)
        for claimed in everything:
            claims.release(services.db, LEDGER, claimed)
        return kind, PENDING
    escalated = item_ids if kind == nudges.ESCALATION else []
    _finish(services, everything, SENT, channel=channel, ts=posted["ts"], escalated=escalated)
    return kind, SENT


def _items_for(
    services: Services, primary: nudges.Planned, covered: list[nudges.Planned]
) -> list[int]:
    """What the DM lists: a digest lists every open item, so it holds what the nudges would;
    nudges together list all of theirs; escalations leave out items already escalated."""
    if primary.kind == nudges.ESCALATION:
        with services.db.session() as session:
            return list(
                session.scalars(
                    select(ActionItem.id).where(
                        ActionItem.id.in_(primary.item_ids), ActionItem.ic_notified_at.is_(None)
                    )
                )
            )
    ids = list(primary.item_ids)
    if primary.kind != nudges.DIGEST:
        ids += [n for m in covered for n in m.item_ids if n not in ids]
    return ids


def _render(
    services: Services, session: Session, kind: str, reader: str, item_ids: list[int], today: date
) -> dict[str, Any]:
    if kind != nudges.ESCALATION:
        return nudge_message(services, session, kind, item_ids, reader, today)
    items = [session.get_one(ActionItem, n) for n in item_ids]
    return services.templates.message(
        "messages/action_item_escalation.json.j2",
        reader=reader,
        items=item_views(session, items, today, services.settings.config.lifecycle.statuses),
        after_days=services.settings.config.action_items.escalate_after_days,
    )


def _finish(
    services: Services,
    rows: list[Claim] | list[int],
    status: str,
    *,
    channel: str | None = None,
    ts: str | None = None,
    escalated: list[int] | None = None,
) -> None:
    """Record one outcome for the DM's row and the rows it stood in for."""
    values: dict[str, Any] = {}
    if ts is not None:
        values = {"ts": ts, "sent_at": utcnow(), "channel_id": channel}

    def mark_escalated(session: Session) -> None:
        if escalated:
            session.execute(
                update(ActionItem)
                .where(ActionItem.id.in_(escalated))
                .values(ic_notified_at=utcnow())
            )

    for index, row in enumerate(rows):
        row_id = row.id if isinstance(row, Claim) else row
        then = mark_escalated if index == 0 and status == SENT else None
        claims.finish(services.db, LEDGER, row_id, status, then=then, **values)


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
    """Mark the delivery (and those it stood in for) sent if its DM reached Slack."""
    try:
        posted = _posted(client, channel, row_id)
    except SlackApiError as exc:
        log.warning("could not check DM %s for a lost send: %s", channel, error_code(exc))
        return False
    if posted is None:
        return False
    payload = posted["metadata"]["event_payload"]
    rows = [row_id, *(int(n) for n in payload.get("covers") or [])]
    escalated = list(payload.get("items") or []) if kind == nudges.ESCALATION else []
    _finish(services, rows, SENT, channel=channel, ts=posted["ts"], escalated=escalated)
    return True


def recover(services: Services, client: WebClient) -> int:
    """Mark sent the pending deliveries whose DM did reach Slack before a crash."""
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
