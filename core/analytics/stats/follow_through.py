"""Follow-through: whether the action items an incident produced got done in time.

Reads only action-item rows (status and two timestamps), joined to incidents
for the team, so it costs one narrow query per period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.analytics.periods import Period
from storage.models import DROPPED, OPEN, ActionItem, Incident


@dataclass
class FollowThrough:
    window_days: int
    created: int = 0
    decided: int = 0  # done within the window, or past it without being done
    done_in_window: int = 0
    still_open: int = 0
    previous_share: float | None = None

    @property
    def share(self) -> float | None:
        return self.done_in_window / self.decided if self.decided else None


def measure_follow_through(
    session: Session, team_id: str, period: Period, now: datetime, window_days: int
) -> FollowThrough:
    """Of the action items created in the period, the share done within the window.

    An item counts once decided: done within the window, or older than the
    window without being done. Dropped items are left out.
    """
    window = timedelta(days=window_days)
    result = FollowThrough(window_days)
    rows = session.execute(
        select(ActionItem.status, ActionItem.created_at, ActionItem.completed_at)
        .join(Incident, Incident.id == ActionItem.incident_id)
        .where(
            Incident.team_id == team_id,
            ActionItem.created_at >= period.start,
            ActionItem.created_at < period.end,
        )
    )
    for status, created_at, completed_at in rows:
        if status == DROPPED:
            continue
        result.created += 1
        if completed_at is not None and completed_at - created_at <= window:
            result.done_in_window += 1
            result.decided += 1
        elif now - created_at > window:
            result.decided += 1
        if completed_at is None:
            result.still_open += 1
    return result


def open_action_items(session: Session, incident_ids: list[int]) -> dict[int, list[ActionItem]]:
    """Open action items of each incident, oldest first."""
    if not incident_ids:
        return {}
    found: dict[int, list[ActionItem]] = defaultdict(list)
    rows = session.scalars(
        select(ActionItem)
        .where(ActionItem.incident_id.in_(incident_ids), ActionItem.status == OPEN)
        .order_by(ActionItem.created_at, ActionItem.id)
    )
    for item in rows:
        found[item.incident_id].append(item)
    return found


def count_by_incident(session: Session, incident_ids: list[int]) -> dict[int, int]:
    if not incident_ids:
        return {}
    return dict(
        session.execute(
            select(ActionItem.incident_id, func.count())
            .where(and_(ActionItem.incident_id.in_(incident_ids), ActionItem.status == OPEN))
            .group_by(ActionItem.incident_id)
        ).all()
    )
