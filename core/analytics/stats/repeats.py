"""Repeat incidents: the same root cause hitting the same service again soon after.

A repeat says a fix did not hold, so it is judged only from the category and
services people tagged, never from titles or messages.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from core.analytics.periods import Period
from core.analytics.stats.facts import IncidentFacts, load_incidents

REPEAT_LOOKBACK = timedelta(days=90)


@dataclass
class Repeat:
    incident: IncidentFacts
    earlier: IncidentFacts
    reason: str  # "capacity on database"


def repeat_candidates(
    session: Session, team_id: str, period: Period, previous: Period
) -> list[IncidentFacts]:
    """Tagged incidents that a repeat in either period could point back to.

    One read covers both periods and the look-back before the earlier of them;
    untagged incidents can never match, so they are not fetched, nor milestones.
    """
    return load_incidents(
        session,
        team_id,
        min(previous.start, period.start) - REPEAT_LOOKBACK,
        period.end,
        with_milestones=False,
        tagged_only=True,
    )


def find_repeats(incidents: list[IncidentFacts], candidates: list[IncidentFacts]) -> list[Repeat]:
    """Incidents whose root cause already hit the same service within the look-back.

    Same category and a shared service (or neither has a service) counts; an
    untagged incident cannot be judged, so it never counts.
    """
    by_category: dict[str, list[IncidentFacts]] = defaultdict(list)
    for earlier in sorted(candidates, key=lambda c: c.declared_at):
        if earlier.category:
            by_category[earlier.category].append(earlier)
    times = {key: [c.declared_at for c in rows] for key, rows in by_category.items()}
    repeats = []
    for incident in incidents:
        if not incident.category:
            continue
        rows = by_category.get(incident.category, [])
        # Newest first, from the last incident declared before this one.
        before = bisect.bisect_left(times.get(incident.category, []), incident.declared_at)
        for earlier in reversed(rows[:before]):
            if earlier.id == incident.id:
                continue
            if incident.declared_at - earlier.declared_at > REPEAT_LOOKBACK:
                break
            shared = sorted(set(incident.services) & set(earlier.services))
            if shared or (not incident.services and not earlier.services):
                where = f" on {', '.join(shared)}" if shared else ""
                repeats.append(Repeat(incident, earlier, f"{incident.category}{where}"))
                break
    return repeats
