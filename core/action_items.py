"""Action items: the follow-up work an incident leaves behind, tracked until it is done.

Most incident action items are never finished and the incident comes back, so
an item keeps an owner, a due date and a status after its incident closes, and
every change to it is written into the incident's timeline.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.events import record_system_event
from core.when import iso
from storage.models import DONE, DROPPED, OPEN, ActionItem, Incident
from storage.types import utcnow

PRIORITIES = ("p1", "p2", "p3")
DEFAULT_PRIORITY = "p2"
MAX_TEXT = 500
MAX_NOTE = 1000
_ID = re.compile(r"^(?:#|ai-?)?(\d{1,9})$", re.IGNORECASE)


def reference(item: ActionItem) -> str:
    return f"AI-{item.id}"


def parse_id(raw: str) -> int:
    """Accept ``12``, ``#12`` and ``AI-12``."""
    match = _ID.match(raw.strip())
    if not match:
        raise InvalidInput(
            f"`{raw.strip() or ' '}` is not an action item id. Ids look like `12` or `AI-12`; "
            "`/incident action list` shows them."
        )
    return int(match.group(1))


def parse_priority(raw: str) -> str:
    value = raw.strip().lower()
    if value not in PRIORITIES:
        raise InvalidInput(f"`{raw.strip()}` is not a priority; use p1, p2 or p3.")
    return value


def _clean_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(
            "Describe the action item, e.g. "
            "`/incident action add Add connection pool alerts @jake due in 2w`."
        )
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(
            f"The action item is {len(cleaned)} characters; keep it under {MAX_TEXT}."
        )
    return cleaned


def create(
    session: Session,
    incident: Incident,
    text: str,
    created_by: str,
    *,
    owner_id: str | None = None,
    due_date: date | None = None,
    priority: str = DEFAULT_PRIORITY,
    team: str = "",
    source_ts: str | None = None,
    source_permalink: str | None = None,
) -> ActionItem:
    item = ActionItem(
        incident_id=incident.id,
        text=_clean_text(text),
        owner_id=owner_id,
        created_by=created_by,
        created_at=utcnow(),
        due_date=due_date,
        priority=parse_priority(priority),
        status=OPEN,
        evidence="",
        team=team,
        source_ts=source_ts,
        source_permalink=source_permalink,
    )
    session.add(item)
    session.flush()
    record_system_event(
        session,
        incident,
        "action_item_added",
        f"Action item {reference(item)} added by <@{created_by}>"
        + (f" for <@{owner_id}>" if owner_id else "")
        + f": {item.text}",
        created_by,
        action_item_id=item.id,
        owner_id=owner_id,
        due_date=due_date.isoformat() if due_date else None,
        priority=item.priority,
    )
    return item


def incident_of(session: Session, item: ActionItem) -> Incident:
    return session.get_one(Incident, item.incident_id)


def _require_open(item: ActionItem, doing: str) -> None:
    if item.status != OPEN:
        raise InvalidInput(f"{reference(item)} is already {item.status}, so it cannot be {doing}.")


def complete(
    session: Session, item: ActionItem, by: str, evidence: str = "", at: datetime | None = None
) -> ActionItem:
    _require_open(item, "marked done")
    if len(evidence) > MAX_NOTE:
        raise InvalidInput(f"Keep the evidence under {MAX_NOTE} characters; a link is ideal.")
    item.status = DONE
    item.completed_at = at or utcnow()
    item.evidence = evidence.strip()
    record_system_event(
        session,
        incident_of(session, item),
        "action_item_done",
        f"Action item {reference(item)} done (<@{by}>): {item.text}"
        + (f" — {item.evidence}" if item.evidence else ""),
        by,
        action_item_id=item.id,
        evidence=item.evidence,
    )
    return item


def reassign(
    session: Session, item: ActionItem, owner_id: str, by: str, team: str = ""
) -> str | None:
    """Give the item to ``owner_id``; returns the previous owner."""
    _require_open(item, "reassigned")
    previous = item.owner_id
    if previous == owner_id:
        raise InvalidInput(f"{reference(item)} is already owned by <@{owner_id}>.")
    item.owner_id = owner_id
    item.team = team
    item.snoozed_until = None  # the new owner hears about it at once
    record_system_event(
        session,
        incident_of(session, item),
        "action_item_reassigned",
        f"Action item {reference(item)} reassigned to <@{owner_id}> by <@{by}>",
        by,
        action_item_id=item.id,
        previous_owner_id=previous,
        owner_id=owner_id,
    )
    return previous


def set_due(session: Session, item: ActionItem, due_date: date | None, by: str) -> None:
    _require_open(item, "rescheduled")
    previous = item.due_date
    item.due_date = due_date
    item.ic_notified_at = None  # a new date earns a new grace period
    record_system_event(
        session,
        incident_of(session, item),
        "action_item_due_changed",
        f"Action item {reference(item)} due "
        + (due_date.isoformat() if due_date else "date removed")
        + f" (<@{by}>)",
        by,
        action_item_id=item.id,
        previous_due_date=previous.isoformat() if previous else None,
        due_date=due_date.isoformat() if due_date else None,
    )


def drop(session: Session, item: ActionItem, by: str, reason: str = "") -> None:
    _require_open(item, "dropped")
    item.status = DROPPED
    item.completed_at = utcnow()
    item.evidence = reason.strip()[:MAX_NOTE]
    record_system_event(
        session,
        incident_of(session, item),
        "action_item_dropped",
        f"Action item {reference(item)} dropped by <@{by}>"
        + (f": {item.evidence}" if item.evidence else ""),
        by,
        action_item_id=item.id,
        reason=item.evidence,
    )


def snooze(item: ActionItem, until: date) -> None:
    """Quiet the owner's nudges until ``until``; the due date and the IC's view stay as they are."""
    _require_open(item, "snoozed")
    item.snoozed_until = until


def is_snoozed(item: ActionItem, today: date) -> bool:
    return item.snoozed_until is not None and item.snoozed_until > today


def days_overdue(item: ActionItem, today: date) -> int:
    """How many days past its due date an open item is (0 when not overdue)."""
    if item.status != OPEN or item.due_date is None:
        return 0
    return max((today - item.due_date).days, 0)


def list_for_incident(session: Session, incident: Incident, only_open: bool) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.incident_id == incident.id)
    if only_open:
        query = query.where(ActionItem.status == OPEN)
    return list(session.scalars(query.order_by(ActionItem.id)))


def list_for_owner(
    session: Session, owner_id: str, team_id: str | None = None, only_open: bool = True
) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.owner_id == owner_id)
    if team_id:
        query = query.join(Incident, Incident.id == ActionItem.incident_id).where(
            Incident.team_id == team_id
        )
    if only_open:
        query = query.where(ActionItem.status == OPEN)
    return sorted(session.scalars(query), key=sort_key)


def open_items(session: Session) -> list[ActionItem]:
    """Every open item in every workspace, whatever state its incident is in."""
    return list(session.scalars(select(ActionItem).where(ActionItem.status == OPEN)))


def sort_key(item: ActionItem) -> tuple[date, str, int]:
    """Soonest due first, undated last, then by priority."""
    return (item.due_date or date.max, item.priority, item.id)


# ----- stats -----------------------------------------------------------------


@dataclass
class Group:
    """Figures for one owner, one team, or everyone."""

    name: str
    open: int = 0
    overdue: int = 0
    done: int = 0
    done_in_window: int = 0
    decided: int = 0
    durations: list[timedelta] = field(default_factory=list)

    @property
    def completion_rate(self) -> float | None:
        """Share of decided items done within the window; None while nothing is decided."""
        return self.done_in_window / self.decided if self.decided else None

    @property
    def median_time_to_complete(self) -> timedelta | None:
        return statistics.median(self.durations) if self.durations else None


@dataclass
class Stats:
    window_days: int
    overall: Group
    by_owner: list[Group]
    by_team: list[Group]


def _count(group: Group, item: ActionItem, today: date, now: datetime, window: timedelta) -> None:
    if item.status == DROPPED:
        return
    if item.status == OPEN:
        group.open += 1
        if days_overdue(item, today):
            group.overdue += 1
    if item.status == DONE and item.completed_at is not None:
        took = item.completed_at - item.created_at
        group.done += 1
        group.durations.append(took)
        if took <= window:
            group.done_in_window += 1
            group.decided += 1
            return
    # Not done within the window: it counts against the rate once the window has passed.
    if now - item.created_at > window:
        group.decided += 1


def stats(
    session: Session,
    team_id: str,
    today: date,
    *,
    team_of: Callable[[str | None], str],
    window_days: int = 30,
    now: datetime | None = None,
) -> Stats:
    """Open and overdue counts, completion within the window and median time, grouped.

    An item enters the completion rate once it is decided: done within the
    window, or older than the window without being done. Dropped items are
    left out; they were judged not worth doing, which is not a failure to do them.
    """
    now = now or utcnow()
    window = timedelta(days=window_days)
    items: Iterable[ActionItem] = session.scalars(
        select(ActionItem)
        .join(Incident, Incident.id == ActionItem.incident_id)
        .where(Incident.team_id == team_id)
    )
    overall = Group("everyone")
    owners: dict[str, Group] = {}
    teams: dict[str, Group] = {}
    for item in items:
        owner = item.owner_id or ""
        team = item.team or team_of(item.owner_id)
        for group in (
            overall,
            owners.setdefault(owner, Group(owner)),
            teams.setdefault(team, Group(team)),
        ):
            _count(group, item, today, now, window)

    def ranked(groups: dict[str, Group]) -> list[Group]:
        return sorted(groups.values(), key=lambda g: (-g.overdue, -g.open, g.name))

    return Stats(window_days, overall, ranked(owners), ranked(teams))


def export_section(session: Session, incident: Incident) -> list[dict[str, object]]:
    """The ``action_items`` part of an incident export (see docs/export.md)."""
    return [
        {
            "id": item.id,
            "reference": reference(item),
            "text": item.text,
            "owner_id": item.owner_id,
            "created_by": item.created_by,
            "created_at": iso(item.created_at),
            "due_date": iso(item.due_date),
            "priority": item.priority,
            "status": item.status,
            "completed_at": iso(item.completed_at),
            "evidence": item.evidence,
            "snoozed_until": iso(item.snoozed_until),
            "team": item.team,
            "source_permalink": item.source_permalink,
            "ic_notified_at": iso(item.ic_notified_at),
        }
        for item in list_for_incident(session, incident, only_open=False)
    ]
