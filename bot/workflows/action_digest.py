"""The action-item digest run: who hears about which open items now, one DM per person.

Planning is ``core.nudges``; sending each person's DM exactly once, across
crashes and racing runs, is ``action_dm``.

Slack allows about one message per second per conversation: ``Pacer`` spaces
posts to the same DM. 429 answers are waited out by the client's retry handler.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select

from bot import users
from bot.services import Services
from bot.workflows import action_dm, hooks
from bot.workflows.action_dm import METADATA_EVENT, recover
from bot.workflows.visibility import Visibility
from core import action_items, nudges, roles
from storage.models import ActionItem, Incident
from storage.types import utcnow

__all__ = ["METADATA_EVENT", "Pacer", "Report", "recover", "run"]

log = logging.getLogger(__name__)


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
        incidents = {
            i.id: i
            for i in session.scalars(
                select(Incident).where(Incident.id.in_({i.incident_id for i in items}))
            )
        }
        ics = _incident_commanders(session, incidents)
    zones: dict[str, str] = {}

    def tz_of(user_id: str) -> str:
        if user_id not in zones:
            zones[user_id] = users.user_tz(services, client, user_id)
        return zones[user_id]

    owner_sees = _owner_sees(services, client, incidents)
    planned = nudges.plan(items, now, schedule, tz_of, ics.get, owner_sees)
    for bundle in nudges.by_person(planned):
        person = bundle[0].user_id
        kind, outcome = action_dm.deliver(
            services, client, bundle, zones.get(person, "UTC"), now, pacer
        )
        if outcome == action_dm.SENT:
            report.sent[kind] = report.sent.get(kind, 0) + 1
            overdue = [n for m in bundle if m.kind == nudges.OVERDUE for n in m.item_ids]
            if overdue:
                _fire_overdue(services, client, tuple(overdue))
        elif outcome == action_dm.PENDING:
            report.pending += 1
        elif outcome == action_dm.FAILED:
            report.failed += 1
    return report


def _owner_sees(
    services: Services, client: WebClient, incidents: dict[int, Incident]
) -> Callable[[ActionItem], bool]:
    """Whether an item's owner may see its incident; only private ones need asking."""
    viewers: dict[str, Visibility] = {}

    def sees(item: ActionItem) -> bool:
        incident = incidents.get(item.incident_id)
        if incident is None or not incident.is_private or not item.owner_id:
            return True
        if item.owner_id not in viewers:
            viewers[item.owner_id] = Visibility(services, client, item.owner_id)
        return viewers[item.owner_id].can_see(incident)

    return sees


def _fire_overdue(services: Services, client: WebClient, item_ids: tuple[int, ...]) -> None:
    """Once per overdue nudge sent (the delivery claim makes it once), for each incident."""
    with services.db.session() as session:
        incident_ids = set(
            session.scalars(select(ActionItem.incident_id).where(ActionItem.id.in_(item_ids)))
        )
    for incident_id in sorted(incident_ids):
        hooks.fire(hooks.ON_ACTION_ITEM_OVERDUE, services, client, incident_id, None)


def _incident_commanders(session: Any, incidents: dict[int, Incident]) -> dict[int, str]:
    """Who to tell when an item slips: the current IC, else whoever declared the incident."""
    return roles.commanders(session, set(incidents))
