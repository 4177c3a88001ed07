"""Who should hear about which open action items now: weekly digests, nudges, escalations.

Each planned message has a key that makes it unique in ``digest_deliveries``
(user, key, kind), so planning the same moment twice never sends twice:

- ``digest``: one per owner per ISO week of their own calendar (key ``2026-W47``),
  once their configured weekday and time have come.
- ``due-soon``: items due within the window, one message per owner per due date
  (key ``2026-12-01``), so each item is nudged once as its date approaches.
- ``overdue``: items past due, one message per owner per missed due date.
- ``escalation``: items overdue for N days, told to the incident's IC once a day
  at most (key: the IC's date); each item is escalated once.

What falls due for one owner in one run goes out as one DM (``by_person``):
the digest, when due, stands in for that run's nudges, and several nudges
stand in for each other; their delivery rows are still recorded, so the
same nudge is never sent again later. A nudge alone between weekly digests
goes out as it is.

Nudges wait for the digest time of day in the recipient's zone, so nobody is
pinged at 3 a.m.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core import action_items
from core.due_dates import local_now
from storage.models import ActionItem

DIGEST, DUE_SOON, OVERDUE, ESCALATION = "digest", "due-soon", "overdue", "escalation"
# A DM that stands in for several nudges of one run, and the third section of a combined DM.
NUDGES, REST = "nudges", "rest"
SECTIONS = (OVERDUE, DUE_SOON, REST)


@dataclass(frozen=True)
class Schedule:
    weekday: int  # 0 is Monday
    at: time
    due_soon_days: int
    escalate_after_days: int  # 0: never


@dataclass(frozen=True)
class Planned:
    user_id: str
    key: str
    kind: str
    item_ids: tuple[int, ...]


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(now_local: datetime, schedule: Schedule) -> bool:
    """Whether this week's digest moment has come in the owner's own zone."""
    monday = now_local.date() - timedelta(days=now_local.weekday())
    moment = datetime.combine(
        monday + timedelta(days=schedule.weekday), schedule.at, tzinfo=now_local.tzinfo
    )
    return now_local >= moment


def awake(now_local: datetime, schedule: Schedule) -> bool:
    return now_local.time() >= schedule.at


def plan(
    items: Iterable[ActionItem],
    now: datetime,
    schedule: Schedule,
    tz_of: Callable[[str], str],
    ic_of: Callable[[int], str | None],
    owner_sees: Callable[[ActionItem], bool] | None = None,
) -> list[Planned]:
    """Every message due now, digests first, then nudges, then escalations.

    ``owner_sees`` leaves out of an owner's messages the items they may not
    see (of a private incident they are not in); the IC still hears of them.
    """
    by_owner: dict[str, list[ActionItem]] = defaultdict(list)
    escalate: dict[str, list[ActionItem]] = defaultdict(list)
    for item in items:
        if item.status != "open":
            continue
        if item.owner_id and (owner_sees is None or owner_sees(item)):
            by_owner[item.owner_id].append(item)
        if schedule.escalate_after_days and item.ic_notified_at is None and item.due_date:
            owner_today = local_now(tz_of(item.owner_id) if item.owner_id else "UTC", now).date()
            if action_items.days_overdue(item, owner_today) >= schedule.escalate_after_days:
                ic = ic_of(item.incident_id)
                if ic:
                    escalate[ic].append(item)

    digests: list[Planned] = []
    nudges: list[Planned] = []
    for owner, owned in sorted(by_owner.items()):
        now_local = local_now(tz_of(owner), now)
        today = now_local.date()
        active = sorted(
            (i for i in owned if not action_items.is_snoozed(i, today)), key=action_items.sort_key
        )
        if not active:
            continue
        if digest_due(now_local, schedule):
            digests.append(Planned(owner, week_key(today), DIGEST, tuple(i.id for i in active)))
        if not awake(now_local, schedule):
            continue
        soon_until = today + timedelta(days=schedule.due_soon_days)
        groups: dict[tuple[str, date], list[int]] = defaultdict(list)
        for item in active:
            if item.due_date is None:
                continue
            if item.due_date < today:
                groups[(OVERDUE, item.due_date)].append(item.id)
            elif item.due_date <= soon_until:
                groups[(DUE_SOON, item.due_date)].append(item.id)
        for (kind, due), ids in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
            nudges.append(Planned(owner, due.isoformat(), kind, tuple(ids)))

    escalations: list[Planned] = []
    for ic, overdue in sorted(escalate.items()):
        now_local = local_now(tz_of(ic), now)
        if awake(now_local, schedule):
            escalations.append(
                Planned(
                    ic,
                    now_local.date().isoformat(),
                    ESCALATION,
                    tuple(i.id for i in sorted(overdue, key=action_items.sort_key)),
                )
            )
    return digests + nudges + escalations


def by_person(planned: Iterable[Planned]) -> list[tuple[Planned, ...]]:
    """Each owner's digest and nudges of one run together, digest first, to go as one DM;
    each escalation on its own. The order of people is kept."""
    groups: dict[str, list[Planned]] = {}
    alone: list[tuple[Planned, ...]] = []
    for message in planned:
        if message.kind == ESCALATION:
            alone.append((message,))
        else:
            groups.setdefault(message.user_id, []).append(message)
    ordered = [
        tuple(sorted(messages, key=lambda m: m.kind != DIGEST)) for messages in groups.values()
    ]
    return ordered + alone


def section_of(due: date | None, today: date, due_soon_days: int) -> str:
    """Where an item goes in a combined DM: overdue, due soon, or the rest."""
    if due is None or due > today + timedelta(days=due_soon_days):
        return REST
    return OVERDUE if due < today else DUE_SOON
