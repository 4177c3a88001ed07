"""Incident numbers for a period: counts, response times, repeats, follow-through, load.

Everything is computed from stored facts (milestones, role assignments,
timeline messages, action items), never from message wording. Queries fetch
only the columns needed, for the period, the comparison period and the
look-back that repeat detection needs, so a quarter of a large history stays
a handful of indexed reads.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.orm import Session

from config import Severities
from config.analytics import AnalyticsConfig
from core import when
from core.analytics.periods import Period, comparison
from core.roles import INCIDENT_COMMANDER
from storage.models import (
    DROPPED,
    OPEN,
    ActionItem,
    Incident,
    Milestone,
    RoleAssignment,
    SlackUser,
)
from storage.types import UTCDateTime

REPEAT_LOOKBACK = timedelta(days=90)
UNTAGGED = "untagged"
NO_SERVICE = "no service"
# Message kinds that show a person was working on the incident.
ACTIVE_KINDS = ("message", "reply", "file")
MAX_SPAN = timedelta(days=14)


@dataclass
class IncidentFacts:
    id: int
    number: int
    title: str
    severity: str
    status: str
    is_private: bool
    services: list[str]
    category: str
    tags: list[str]
    declared_at: datetime
    users_affected: int | None = None
    support_tickets: int | None = None
    revenue_impact: float | None = None
    customer_tier: str = ""
    milestones: dict[str, datetime] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return f"INC-{self.number}"

    @property
    def started_at(self) -> datetime:
        return self.milestones.get("impact_started") or self.declared_at

    def span(self, start: str, end: str) -> timedelta | None:
        begin = self.milestones.get(start)
        if start == "started":
            begin = self.started_at
        finish = self.milestones.get(end)
        if begin is None or finish is None or finish < begin:
            return None
        return finish - begin

    @property
    def ended_at(self) -> datetime | None:
        return self.milestones.get("resolved") or self.milestones.get("closed")


@dataclass
class Durations:
    """One response-time measure over a period, in seconds."""

    count: int = 0
    median: float | None = None
    mean: float | None = None
    p90: float | None = None
    previous_median: float | None = None

    @classmethod
    def of(cls, values: list[timedelta], previous: list[timedelta]) -> Durations:
        seconds = sorted(v.total_seconds() for v in values)
        before = [v.total_seconds() for v in previous]
        return cls(
            count=len(seconds),
            median=statistics.median(seconds) if seconds else None,
            mean=statistics.fmean(seconds) if seconds else None,
            p90=seconds[min(len(seconds) - 1, int(len(seconds) * 0.9))] if seconds else None,
            previous_median=statistics.median(before) if before else None,
        )

    @property
    def change(self) -> float | None:
        """Relative change of the median against the previous period (-0.25 is 25% faster)."""
        if self.median is None or not self.previous_median:
            return None
        return (self.median - self.previous_median) / self.previous_median


@dataclass
class Repeat:
    incident: IncidentFacts
    earlier: IncidentFacts
    reason: str  # "capacity on database"


@dataclass
class Responder:
    user_id: str
    incidents: int = 0  # any severity, any role
    sev12: int = 0
    ic_hours: float = 0.0
    nights: int = 0
    warnings: list[str] = field(default_factory=list)


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


@dataclass
class Stats:
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


# Loading ---------------------------------------------------------------------------


def load_incidents(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    with_milestones: bool = True,
    tagged_only: bool = False,
) -> list[IncidentFacts]:
    """Incidents declared in [start, end), oldest first, with their milestones if asked."""
    rows = session.execute(
        select(
            Incident.id,
            Incident.number,
            Incident.title,
            Incident.severity,
            Incident.status,
            Incident.is_private,
            Incident.services,
            Incident.root_cause_category,
            Incident.tags,
            Incident.declared_at,
            Incident.users_affected,
            Incident.support_tickets,
            Incident.revenue_impact,
            Incident.customer_tier,
        )
        .where(
            Incident.team_id == team_id,
            Incident.declared_at >= start,
            Incident.declared_at < end,
            Incident.channel_id.is_not(None) | (Incident.setup_state == "ready"),
            *([Incident.root_cause_category != ""] if tagged_only else []),
        )
        .order_by(Incident.declared_at, Incident.id)
    )
    facts = {
        row.id: IncidentFacts(
            id=row.id,
            number=row.number,
            title=row.title,
            severity=row.severity,
            status=row.status,
            is_private=row.is_private,
            services=[str(s) for s in (row.services or [])],
            category=row.root_cause_category or "",
            tags=[str(t) for t in (row.tags or [])],
            declared_at=row.declared_at,
            users_affected=row.users_affected,
            support_tickets=row.support_tickets,
            revenue_impact=row.revenue_impact,
            customer_tier=row.customer_tier or "",
        )
        for row in rows
    }
    if not with_milestones:
        return list(facts.values())
    milestone_rows = session.execute(
        select(Milestone.incident_id, Milestone.kind, Milestone.at)
        .join(Incident, Incident.id == Milestone.incident_id)
        .where(
            Incident.team_id == team_id, Incident.declared_at >= start, Incident.declared_at < end
        )
    )
    for incident_id, kind, at in milestone_rows:
        if incident_id in facts:
            facts[incident_id].milestones[kind] = at
    return list(facts.values())


# Computing -------------------------------------------------------------------------


def severity_level(severities: Severities, key: str) -> int:
    """The level of a severity key; one no longer configured sorts after every real level."""
    found = severities.get(key)
    return found.level if found else 99


def _counts(values: Iterable[str]) -> list[tuple[str, int]]:
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))


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


def follow_through(
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


def _night_dates(
    start: datetime, end: datetime, zone: ZoneInfo, config: AnalyticsConfig
) -> set[date]:
    """Local nights (named by the evening's date) that the interval overlaps."""
    end = min(end, start + MAX_SPAN)
    nights: set[date] = set()
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        if config.night_start > config.night_end:
            night_from = datetime(day.year, day.month, day.day, config.night_start, tzinfo=zone)
            next_day = day + timedelta(days=1)
            night_to = datetime(
                next_day.year, next_day.month, next_day.day, config.night_end, tzinfo=zone
            )
        else:
            night_from = datetime(day.year, day.month, day.day, config.night_start, tzinfo=zone)
            night_to = datetime(day.year, day.month, day.day, config.night_end, tzinfo=zone)
        if start < night_to and end > night_from:
            nights.add(day)
        day += timedelta(days=1)
    return nights


EPOCH = date(1970, 1, 1)


def _night_messages(
    session: Session,
    team_id: str,
    period: Period,
    config: AnalyticsConfig,
    incident_ids: list[int],
) -> list[tuple[str, int]]:
    """(person, night) pairs from messages in ``incident_ids``, a night numbered by the
    local day (since 1970) of its evening.

    Local time uses the offset Slack reported for the person (``slack_users``),
    so it can be an hour off across a daylight-saving change.
    """
    if session.get_bind().dialect.name == "sqlite":
        epoch = "CAST(strftime('%s', t.occurred_at) AS INTEGER)"
    else:
        epoch = "CAST(EXTRACT(EPOCH FROM t.occurred_at) AS BIGINT)"
    local = f"({epoch} + COALESCE(u.tz_offset, 0))"
    hour = f"(({local} % 86400) / 3600)"
    wraps = config.night_start > config.night_end
    is_night = (
        f"({hour} >= :night_start OR {hour} < :night_end)"
        if wraps
        else f"({hour} >= :night_start AND {hour} < :night_end)"
    )
    # Shifting by the end hour puts 02:00 on the 5th into the night of the 4th.
    night = f"(({local} - :shift) / 86400)"
    sql = f"""
        SELECT t.user_id, {night} AS night
        FROM timeline_events t
        JOIN incidents i ON i.id = t.incident_id
        LEFT JOIN slack_users u ON u.user_id = t.user_id
        WHERE i.team_id = :team AND i.declared_at >= :start AND i.declared_at < :end
          AND i.id IN :ids
          AND t.user_id IS NOT NULL AND t.kind IN ('message', 'reply', 'file')
          AND {is_night}
        GROUP BY t.user_id, {night}
    """
    if not incident_ids:
        return []
    statement = text(sql).bindparams(
        bindparam("start", type_=UTCDateTime()),
        bindparam("end", type_=UTCDateTime()),
        bindparam("ids", expanding=True),
    )
    rows = session.execute(
        statement,
        {
            "team": team_id,
            "start": period.start,
            "end": period.end,
            "night_start": config.night_start,
            "night_end": config.night_end,
            "shift": config.night_end * 3600 if wraps else 0,
            "ids": incident_ids,
        },
    )
    return [(row.user_id, row.night) for row in rows]


def responder_load(
    session: Session,
    team_id: str,
    period: Period,
    incidents: list[IncidentFacts],
    severities: Severities,
    config: AnalyticsConfig,
    now: datetime,
) -> list[Responder]:
    """Who carried the period's incidents: SEV1/SEV2 handled, hours as IC, nights."""
    by_id = {i.id: i for i in incidents}
    people: dict[str, Responder] = {}
    nights: dict[str, set[date]] = defaultdict(set)

    def person(user_id: str) -> Responder:
        return people.setdefault(user_id, Responder(user_id))

    assignments = session.execute(
        select(
            RoleAssignment.incident_id,
            RoleAssignment.role,
            RoleAssignment.user_id,
            RoleAssignment.assigned_at,
            RoleAssignment.ended_at,
        )
        .join(Incident, Incident.id == RoleAssignment.incident_id)
        .where(
            Incident.team_id == team_id,
            Incident.declared_at >= period.start,
            Incident.declared_at < period.end,
        )
    ).all()
    zones = {
        row.user_id: when.zone(row.tz)
        for row in session.execute(
            select(SlackUser.user_id, SlackUser.tz).where(
                SlackUser.user_id.in_({a.user_id for a in assignments} or {""})
            )
        )
    }
    handled: dict[str, set[int]] = defaultdict(set)
    for incident_id, role, user_id, assigned_at, ended_at in assignments:
        incident = by_id.get(incident_id)
        if incident is None:
            continue
        handled[user_id].add(incident_id)
        if role != INCIDENT_COMMANDER:
            continue
        stop = min(x for x in (ended_at, incident.ended_at, now) if x is not None)
        begin, finish = max(assigned_at, period.start), min(stop, period.end)
        if finish > begin:
            person(user_id).ic_hours += (finish - begin).total_seconds() / 3600
        if severity_level(severities, incident.severity) <= 2 and stop > assigned_at:
            zone = zones.get(user_id, ZoneInfo("UTC"))
            nights[user_id] |= _night_dates(assigned_at, stop, zone, config)

    # Nights with messages, worked out in SQL from each person's UTC offset, so
    # a quarter of busy channels comes back as a few (person, night) rows.
    # Nights count on SEV1/SEV2 incidents, the ones that page people out of bed.
    severe = [i.id for i in incidents if severity_level(severities, i.severity) <= 2]
    for user_id, day in _night_messages(session, team_id, period, config, severe):
        nights[user_id].add(EPOCH + timedelta(days=int(day)))

    for user_id, ids in handled.items():
        entry = person(user_id)
        entry.incidents = len(ids)
        entry.sev12 = sum(1 for i in ids if severity_level(severities, by_id[i].severity) <= 2)
    for user_id, dates in nights.items():
        person(user_id).nights = len(dates)

    scale = max(1.0, period.length.days / 30)
    limits = config.fatigue
    for entry in people.values():
        if entry.sev12 >= limits.sev12_incidents * scale:
            entry.warnings.append(f"{entry.sev12} SEV1/SEV2 incidents")
        if entry.nights >= limits.nights * scale:
            entry.warnings.append(f"{entry.nights} nights")
        if entry.ic_hours >= limits.ic_hours * scale:
            entry.warnings.append(f"{entry.ic_hours:.0f} hours as IC")
    return sorted(
        people.values(), key=lambda r: (-r.sev12, -r.nights, -r.ic_hours, -r.incidents, r.user_id)
    )


def weekly_series(
    incidents: list[IncidentFacts], period: Period, severities: Severities
) -> list[dict[str, Any]]:
    """Per week of the period: incidents by severity and the median time to resolve."""
    start = period.start
    weeks: list[dict[str, Any]] = []
    while start < period.end:
        end = min(start + timedelta(days=7), period.end)
        inside = [i for i in incidents if start <= i.declared_at < end]
        resolve = [s.total_seconds() for i in inside if (s := i.span("started", "resolved"))]
        weeks.append(
            {
                "start": start.date().isoformat(),
                "by_severity": {
                    key: sum(1 for i in inside if i.severity == key) for key in severities.keys
                },
                "count": len(inside),
                "median_resolve_seconds": statistics.median(resolve) if resolve else None,
            }
        )
        start = end
    return weeks


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
    previous = comparison(period)
    current = load_incidents(session, team_id, period.start, period.end)
    before = load_incidents(session, team_id, previous.start, previous.end)
    # Repeats look back 90 days from each incident; only tagged ones can match.
    earlier = load_incidents(
        session,
        team_id,
        min(previous.start, period.start) - REPEAT_LOOKBACK,
        period.end,
        with_milestones=False,
        tagged_only=True,
    )

    def spans(rows: list[IncidentFacts], start: str, end: str) -> list[timedelta]:
        return [s for i in rows if (s := i.span(start, end)) is not None]

    order = {key: n for n, key in enumerate(severities.keys)}
    by_severity = sorted(
        Counter(i.severity for i in current).items(), key=lambda kv: order.get(kv[0], 99)
    )
    repeats = find_repeats(current, earlier)
    previous_repeats = len(find_repeats(before, earlier))
    items = follow_through(session, team_id, period, now, window_days)
    items.previous_share = follow_through(session, team_id, previous, now, window_days).share
    return Stats(
        period=period,
        previous=previous,
        incidents=current,
        previous_count=len(before),
        by_severity=by_severity,
        previous_by_severity=dict(Counter(i.severity for i in before)),
        by_service=_counts(s for i in current for s in (i.services or [NO_SERVICE])),
        by_category=_counts(i.category or UNTAGGED for i in current),
        detect=Durations.of(
            spans(current, "impact_started", "declared"),
            spans(before, "impact_started", "declared"),
        ),
        acknowledge=Durations.of(
            spans(current, "declared", "acknowledged"), spans(before, "declared", "acknowledged")
        ),
        resolve=Durations.of(
            spans(current, "started", "resolved"), spans(before, "started", "resolved")
        ),
        repeats=repeats,
        previous_repeats=previous_repeats,
        follow_through=items,
        responders=responder_load(session, team_id, period, current, severities, config, now),
        weekly=weekly_series(current, period, severities),
    )


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
