"""Declaring, numbering and finding incidents."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Severities
from config.lifecycle import Statuses
from core import milestones, roles, setup_claims
from core.errors import InvalidInput, NotFound
from core.events import record_system_event
from core.safe_text import clean_title
from storage.db import Database
from storage.models import SETUP_CREATING, Incident, IncidentNumber
from storage.types import utcnow

MAX_TITLE = 300


@dataclass
class DeclareRequest:
    team_id: str
    title: str
    declared_by: str
    severity: str | None = None
    description: str = ""
    services: list[str] = field(default_factory=list)
    is_private: bool = False
    invitees: list[str] = field(default_factory=list)
    source_permalink: str | None = None


def validate(request: DeclareRequest, severities: Severities) -> str:
    """Check the request and return the severity key it resolves to."""
    title = clean_title(request.title)
    if not title:
        raise InvalidInput(
            "An incident needs a title, e.g. `/incident declare sev2 Checkout down`."
        )
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The title is {len(title)} characters; keep it under {MAX_TITLE}.")
    if request.severity is None:
        return severities.default.key
    severity = severities.get(request.severity)
    if severity is None:
        raise InvalidInput(
            f"`{request.severity}` is not a severity. Use one of {', '.join(severities.keys)}."
        )
    return severity.key


def allocate_number(session: Session, team_id: str) -> int:
    """Give out the workspace's next incident number, for good.

    One ``UPDATE ... SET last_number = last_number + 1`` takes the row's write
    lock (on PostgreSQL and SQLite alike), so two transactions never get the
    same number, and the counter only grows: a number whose incident was later
    discarded is not given out again. It also steps past any incident stored
    without it (a hand-made row), so the insert that follows does not collide.
    If two processes create a workspace's first row at once, one fails on the
    primary key and its caller retries.
    """
    highest = (
        select(func.coalesce(func.max(Incident.number), 0))
        .where(Incident.team_id == team_id)
        .scalar_subquery()
    )
    bumped = session.execute(
        update(IncidentNumber)
        .where(IncidentNumber.team_id == team_id)
        .values(
            last_number=case(
                (highest > IncidentNumber.last_number, highest),
                else_=IncidentNumber.last_number,
            )
            + 1
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not bumped:
        first = (session.scalar(select(highest)) or 0) + 1
        session.add(IncidentNumber(team_id=team_id, last_number=first))
        session.flush()
    number = session.scalar(
        select(IncidentNumber.last_number).where(IncidentNumber.team_id == team_id)
    )
    assert number is not None
    return number


def open_incident(
    database: Database,
    request: DeclareRequest,
    severities: Severities,
    initial_status: str = "investigating",
    owner: str | None = None,
) -> Incident:
    """Store a new incident with the next number of its workspace, claimed by ``owner``.

    The incident starts in "creating" with a setup claim: that claim is what
    tells a clean-up this row is a declare in progress (see setup_claims). An
    incident stored by hand with an unlucky number makes the unique constraint
    reject the insert; the next attempt takes the next number. The first
    status update is due one severity cadence after declaring.
    """
    severity = validate(request, severities)
    cadence = severities[severity].update_cadence
    for _attempt in range(20):
        try:
            with database.session() as session:
                now = utcnow()
                incident = Incident(
                    team_id=request.team_id,
                    number=allocate_number(session, request.team_id),
                    title=clean_title(request.title),
                    description=request.description.strip(),
                    severity=severity,
                    status=initial_status,
                    next_update_due_at=now + cadence if cadence else None,
                    is_private=request.is_private,
                    services=[s for s in request.services if s],
                    declared_by=request.declared_by,
                    declared_at=now,
                    source_permalink=request.source_permalink,
                    setup_state=SETUP_CREATING,
                    setup_owner=owner or setup_claims.new_owner(),
                    setup_claimed_at=now,
                    summary="",
                )
                session.add(incident)
                session.flush()
                milestones.set_milestone(session, incident, "declared", now, request.declared_by)
                roles.assign(
                    session,
                    incident,
                    roles.INCIDENT_COMMANDER,
                    request.declared_by,
                    request.declared_by,
                    at=now,
                )
                record_system_event(
                    session,
                    incident,
                    "declared",
                    f"Declared as {severity} by <@{request.declared_by}>: {incident.title}",
                    request.declared_by,
                    at=now,
                    severity=severity,
                )
                return incident
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate an incident number after 20 attempts")


def discard(database: Database, incident: Incident) -> bool:
    """Remove a declare whose channel could not be created, so nothing half-made remains.

    Only while it is still the caller's own declare in progress: a row that has
    a channel, or that someone else has taken over, is never deleted here.
    """
    if incident.setup_owner is None:
        return False
    return setup_claims.discard(database, incident.id, incident.setup_owner)


def get_by_number(session: Session, team_id: str, number: int) -> Incident:
    incident = session.scalars(
        select(Incident).where(Incident.team_id == team_id, Incident.number == number)
    ).first()
    if incident is None:
        raise NotFound(f"There is no incident INC-{number}.")
    return incident


def get_by_channel(session: Session, channel_id: str) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.channel_id == channel_id)).first()


def list_open(session: Session, team_id: str, statuses: Statuses) -> list[Incident]:
    """The workspace's open incidents with a channel, newest first.

    Open is what the configured statuses say (``Statuses.is_open``), the one
    definition every part of Sitrep uses.
    """
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.team_id == team_id,
                Incident.status.not_in(statuses.not_open),
                Incident.channel_id.is_not(None),
            )
            .order_by(Incident.number.desc())
        )
    )
