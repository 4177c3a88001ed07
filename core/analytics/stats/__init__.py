"""Incident numbers for a period: counts, response times, repeats, follow-through, load.

Everything is computed from stored facts (milestones, role assignments,
timeline messages, action items), never from message wording. Queries fetch
only the columns needed, for the period, the comparison period and the
look-back that repeat detection needs, so a quarter of a large history stays
a handful of indexed reads.

One module per family of metric: ``volume`` (counts by severity, service and
cause, and the weekly series), ``timing`` (time to detect, acknowledge,
resolve), ``repeats``, ``follow_through`` (action items done in time) and
``load`` (responders and fatigue). They share the incident rows from
``facts`` and the window arithmetic in ``core.analytics.periods``. This
module puts them together into one ``Stats`` and keeps the names callers use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from config import Severities
from config.analytics import AnalyticsConfig
from core.analytics.periods import Period, comparison
from core.analytics.privacy import masked_names
from core.analytics.stats import volume
from core.analytics.stats.facts import IncidentFacts, load_incidents, severity_level
from core.analytics.stats.follow_through import (
    FollowThrough,
    count_by_incident,
    measure_follow_through,
    open_action_items,
)
from core.analytics.stats.load import ACTIVE_KINDS, EPOCH, MAX_SPAN, Responder, responder_load
from core.analytics.stats.repeats import (
    REPEAT_LOOKBACK,
    Repeat,
    find_repeats,
    repeat_candidates,
)
from core.analytics.stats.timing import ACKNOWLEDGE, DETECT, RESOLVE, Durations, time_to
from core.analytics.stats.volume import NO_SERVICE, UNTAGGED, weekly_series

__all__ = [
    "ACTIVE_KINDS",
    "EPOCH",
    "MAX_SPAN",
    "NO_SERVICE",
    "REPEAT_LOOKBACK",
    "UNTAGGED",
    "Durations",
    "FollowThrough",
    "IncidentFacts",
    "Repeat",
    "Responder",
    "Stats",
    "compute",
    "count_by_incident",
    "find_repeats",
    "for_viewer",
    "lookback",
    "load_incidents",
    "measure_follow_through",
    "open_action_items",
    "responder_load",
    "severity_level",
    "weekly_series",
]


@dataclass
class Stats:
    """Every figure for one period next to its comparison period, so the reply,
    the charts and the JSON export are drawn from the same numbers."""

    period: Period
    previous: Period
    incidents: list[IncidentFacts]
    previous_count: int
    by_severity: list[tuple[str, int]]
    previous_by_severity: dict[str, int]
    by_service: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    detect: Durations
    acknowledge: Durations
    resolve: Durations
    repeats: list[Repeat]
    previous_repeats: int
    follow_through: FollowThrough
    responders: list[Responder]
    weekly: list[dict[str, Any]]
    # Repeats left out of ``repeats`` because they involve an incident the viewer
    # may not see (see ``for_viewer``); they still count.
    private_repeats: int = 0

    @property
    def repeat_count(self) -> int:
        return len(self.repeats) + self.private_repeats

    @property
    def count(self) -> int:
        return len(self.incidents)

    @property
    def change(self) -> float | None:
        if not self.previous_count:
            return None
        return (self.count - self.previous_count) / self.previous_count

    @property
    def fatigued(self) -> list[Responder]:
        return [r for r in self.responders if r.warnings]

    def to_dict(self) -> dict[str, Any]:
        def durations(d: Durations) -> dict[str, Any]:
            return {
                "count": d.count,
                "median_seconds": d.median,
                "mean_seconds": d.mean,
                "p90_seconds": d.p90,
                "previous_median_seconds": d.previous_median,
                "change": d.change,
            }

        return {
            "period": {
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
                "label": self.period.label,
            },
            "previous_period": {
                "start": self.previous.start.isoformat(),
                "end": self.previous.end.isoformat(),
            },
            "incidents": self.count,
            "previous_incidents": self.previous_count,
            "by_severity": dict(self.by_severity),
            "by_service": dict(self.by_service),
            "by_root_cause_category": dict(self.by_category),
            "time_to_detect": durations(self.detect),
            "time_to_acknowledge": durations(self.acknowledge),
            "time_to_resolve": durations(self.resolve),
            "repeat_incidents": [
                {
                    "incident": r.incident.reference,
                    "repeats": r.earlier.reference,
                    "reason": r.reason,
                }
                for r in self.repeats
            ],
            "private_repeat_incidents": self.private_repeats,
            "previous_repeat_incidents": self.previous_repeats,
            "action_items": {
                "window_days": self.follow_through.window_days,
                "created": self.follow_through.created,
                "decided": self.follow_through.decided,
                "done_in_window": self.follow_through.done_in_window,
                "share_done_in_window": self.follow_through.share,
                "previous_share": self.follow_through.previous_share,
                "still_open": self.follow_through.still_open,
            },
            "responders": [
                {
                    "user_id": r.user_id,
                    "incidents": r.incidents,
                    "sev1_sev2": r.sev12,
                    "ic_hours": round(r.ic_hours, 1),
                    "nights": r.nights,
                    "warnings": r.warnings,
                }
                for r in self.responders
            ],
            "weekly": self.weekly,
        }


def compute(
    session: Session,
    team_id: str,
    period: Period,
    severities: Severities,
    config: AnalyticsConfig,
    *,
    now: datetime,
    window_days: int = 30,
) -> Stats:
    """The period's numbers; ``now`` is passed in so an open IC role or an undecided
    action item is judged at one moment across every metric."""
    previous = comparison(period)
    current = load_incidents(session, team_id, period.start, period.end)
    before = load_incidents(session, team_id, previous.start, previous.end)
    # Repeats look back 90 days from each incident; only tagged ones can match.
    earlier = repeat_candidates(session, team_id, period, previous)
    repeats = find_repeats(current, earlier)
    previous_repeats = len(find_repeats(before, earlier))
    items = measure_follow_through(session, team_id, period, now, window_days)
    items.previous_share = measure_follow_through(
        session, team_id, previous, now, window_days
    ).share
    return Stats(
        period=period,
        previous=previous,
        incidents=current,
        previous_count=len(before),
        by_severity=volume.by_severity(current, severities),
        previous_by_severity=volume.severity_counts(before),
        by_service=volume.by_service(current),
        by_category=volume.by_category(current),
        detect=time_to(DETECT, current, before),
        acknowledge=time_to(ACKNOWLEDGE, current, before),
        resolve=time_to(RESOLVE, current, before),
        repeats=repeats,
        previous_repeats=previous_repeats,
        follow_through=items,
        responders=responder_load(session, team_id, period, current, severities, config, now),
        weekly=weekly_series(current, period, severities),
    )


def lookback(period: Period) -> tuple[datetime, datetime]:
    """Every declare time a period's stats read: both periods and the repeat look-back."""
    previous = comparison(period)
    return min(previous.start, period.start) - REPEAT_LOOKBACK, period.end


def for_viewer(stats: Stats, hidden: frozenset[int]) -> Stats:
    """The same numbers, with nothing that singles out an incident in ``hidden``.

    Totals, severities, response times and load still count every incident;
    service and root-cause names that only hidden incidents carry become
    ``private``, and a repeat involving one is counted but not listed.
    """
    if not hidden:
        return stats
    named = [r for r in stats.repeats if not {r.incident.id, r.earlier.id} & hidden]
    return replace(
        stats,
        by_service=volume.counts(
            masked_names(stats.incidents, hidden, lambda i: i.services or [NO_SERVICE])
        ),
        by_category=volume.counts(
            masked_names(stats.incidents, hidden, lambda i: [i.category or UNTAGGED])
        ),
        repeats=named,
        private_repeats=stats.private_repeats + len(stats.repeats) - len(named),
    )
