"""Responder load: who carried the period's incidents, and who is close to burning out.

Counted from role assignments (SEV1/SEV2 handled, hours as incident
commander) and from when people wrote in severe incidents at night, so a
warning rests on what happened, not on anyone's say-so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from config import Severities
from config.analytics import AnalyticsConfig
from core import when
from core.analytics.periods import Period
from core.analytics.stats.facts import IncidentFacts, severity_level
from core.roles import INCIDENT_COMMANDER
from storage.models import Incident, RoleAssignment, SlackUser
from storage.types import UTCDateTime

# Message kinds that show a person was working on the incident.
ACTIVE_KINDS = ("message", "reply", "file")
MAX_SPAN = timedelta(days=14)
EPOCH = date(1970, 1, 1)
UTC_ZONE = ZoneInfo("UTC")


@dataclass
class Responder:
    user_id: str
    incidents: int = 0  # any severity, any role
    sev12: int = 0
    ic_hours: float = 0.0
    nights: int = 0
    warnings: list[str] = field(default_factory=list)


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


# Every real UTC offset is a whole number of quarter hours, so a message's
# quarter hour decides its local hour in any zone.
QUARTER_HOUR = 900


def _night_messages(
    session: Session,
    team_id: str,
    period: Period,
    config: AnalyticsConfig,
    incident_ids: list[int],
) -> set[tuple[str, date]]:
    """(person, night) pairs from messages in ``incident_ids``, a night named by the
    date of its evening in the person's own time zone.

    The database only narrows busy channels down to the distinct quarter hours
    each person wrote in; each is then read in the person's zone as it was at
    that moment (``slack_users.tz`` through zoneinfo), so a message at 23:30 in
    Berlin is a night in July and in January alike.
    """
    if not incident_ids:
        return set()
    if session.get_bind().dialect.name == "sqlite":
        epoch = "CAST(strftime('%s', t.occurred_at) AS INTEGER)"
    else:
        epoch = "CAST(EXTRACT(EPOCH FROM t.occurred_at) AS BIGINT)"
    quarter = f"({epoch} / {QUARTER_HOUR})"
    # Today's offset (slack_users.tz_offset) is at most an hour from the one in
    # force on any other day, so a night widened by an hour each side keeps
    # every candidate while the database drops the daytime, most of the rows.
    hour = f"((({epoch} + COALESCE(u.tz_offset, 0)) % 86400) / 3600)"
    early, late = (config.night_start - 1) % 24, (config.night_end + 1) % 24
    maybe_night = (
        f"({hour} >= :early OR {hour} < :late)" if early > late
        else f"({hour} >= :early AND {hour} < :late)"
    )  # fmt: skip
    sql = f"""
        SELECT t.user_id, {quarter} AS quarter
        FROM timeline_events t
        JOIN incidents i ON i.id = t.incident_id
        LEFT JOIN slack_users u ON u.user_id = t.user_id
        WHERE i.team_id = :team AND i.declared_at >= :start AND i.declared_at < :end
          AND i.id IN :ids
          AND t.user_id IS NOT NULL AND t.kind IN ('message', 'reply', 'file')
          AND {maybe_night}
        GROUP BY t.user_id, {quarter}
    """
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
            "ids": incident_ids,
            "early": early,
            "late": late,
        },
    ).all()
    zones = _zones(session, {row.user_id for row in rows})
    # Shifting by the end hour puts 02:00 on the 5th into the night of the 4th.
    shift = timedelta(hours=config.night_end if config.night_start > config.night_end else 0)
    nights: set[tuple[str, date]] = set()
    for user_id, number in rows:
        moment = datetime.fromtimestamp(int(number) * QUARTER_HOUR, UTC)
        local = moment.astimezone(zones.get(user_id, UTC_ZONE))
        if config.is_night(local.hour):
            nights.add((user_id, (local - shift).date()))
    return nights


def _zones(session: Session, user_ids: set[str]) -> dict[str, ZoneInfo]:
    """Each person's zone by name, as Slack reported it, so offsets follow the date."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(SlackUser.user_id, SlackUser.tz).where(SlackUser.user_id.in_(user_ids))
    )
    return {row.user_id: when.zone(row.tz) for row in rows}


def _warn(people: list[Responder], period: Period, config: AnalyticsConfig) -> None:
    """Fatigue limits are per 30 days; a longer period scales them, a shorter one does not."""
    scale = max(1.0, period.length.days / 30)
    limits = config.fatigue
    for entry in people:
        if entry.sev12 >= limits.sev12_incidents * scale:
            entry.warnings.append(f"{entry.sev12} SEV1/SEV2 incidents")
        if entry.nights >= limits.nights * scale:
            entry.warnings.append(f"{entry.nights} nights")
        if entry.ic_hours >= limits.ic_hours * scale:
            entry.warnings.append(f"{entry.ic_hours:.0f} hours as IC")


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
    zones = _zones(session, {a.user_id for a in assignments})
    handled: dict[str, set[int]] = defaultdict(set)
    for incident_id, role, user_id, assigned_at, ended_at in assignments:
        incident = by_id.get(incident_id)
        if incident is None:
            continue
        handled[user_id].add(incident_id)
        if role != INCIDENT_COMMANDER:
            continue
        stop = min(x for x in (ended_at, incident.ended_at, now) if x is not None)
        if inside := period.overlap(assigned_at, stop):
            person(user_id).ic_hours += inside.total_seconds() / 3600
        if severity_level(severities, incident.severity) <= 2 and stop > assigned_at:
            zone = zones.get(user_id, UTC_ZONE)
            nights[user_id] |= _night_dates(assigned_at, stop, zone, config)

    # Nights with messages count on SEV1/SEV2 incidents, the ones that page
    # people out of bed.
    severe = [i.id for i in incidents if severity_level(severities, i.severity) <= 2]
    for user_id, night in _night_messages(session, team_id, period, config, severe):
        nights[user_id].add(night)

    for user_id, ids in handled.items():
        entry = person(user_id)
        entry.incidents = len(ids)
        entry.sev12 = sum(1 for i in ids if severity_level(severities, by_id[i].severity) <= 2)
    for user_id, dates in nights.items():
        person(user_id).nights = len(dates)

    _warn(list(people.values()), period, config)
    return sorted(
        people.values(), key=lambda r: (-r.sev12, -r.nights, -r.ic_hours, -r.incidents, r.user_id)
    )
