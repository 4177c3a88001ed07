"""Building incident history for analytics tests.

Incidents are declared the way people declare them, over signed HTTP; what
other features would write later (resolution, milestones, action items,
postmortems, tags) is stored through the models, as those features do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from core import milestones
from storage.models import (
    ActionItem,
    Incident,
    Milestone,
    Postmortem,
    RoleAssignment,
    TimelineEvent,
)
from storage.types import utcnow
from tests.support.harness import TEAM_ID, RunningBot
from tests.support.waiting import wait_for


def ready(bot: RunningBot, number: int) -> Incident:
    def check() -> Incident | None:
        with bot.services.db.session() as session:
            row = session.scalars(
                select(Incident).where(Incident.number == number, Incident.setup_state == "ready")
            ).first()
        return row

    return wait_for(check)


def count(bot: RunningBot) -> int:
    with bot.services.db.session() as session:
        return len(session.scalars(select(Incident.id)).all())


def told(bot: RunningBot, number: int) -> None:
    """The declarer's answer has arrived, so later replies are not mistaken for it."""
    slack = bot.emulator
    wait_for(
        lambda: [
            r
            for r in [*slack.responses, *slack.ephemerals]
            if f"INC-{number}*" in str(r.get("blocks")) or f"INC-{number} " in r.get("text", "")
        ]
    )


def declare(bot: RunningBot, text: str, user: str = "UALICE") -> Incident:
    number = count(bot) + 1
    bot.command(f"declare {text}", user=user)
    incident = ready(bot, number)
    told(bot, number)
    return incident


def declare_in_form(
    bot: RunningBot,
    title: str,
    *,
    severity: str = "SEV2",
    services: str = "",
    description: str = "",
    private: bool = False,
    user: str = "UALICE",
) -> Incident:
    slack = bot.emulator
    number = count(bot) + 1
    before = len(slack.views)
    bot.command("declare", trigger_id=slack.new_trigger_id(), channel=slack.general_id, user=user)
    opened = wait_for(lambda: slack.views[before:])[-1]
    values = {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "severity": {"value": {"type": "static_select", "selected_option": {"value": severity}}},
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "services": {"value": {"type": "plain_text_input", "value": services}},
        "private": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "private"}] if private else [],
            }
        },
    }
    payload = slack.view_submission_payload(opened["id"], user, values)
    assert bot.sender.interactive(payload).status_code == 200
    incident = ready(bot, number)
    told(bot, number)
    return incident


@dataclass
class Past:
    """What happened after declaring, stored the way the other features store it."""

    summary: str = ""
    category: str = ""
    services: list[str] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (user, text)
    open_items: list[str] = field(default_factory=list)
    done_items: list[str] = field(default_factory=list)
    postmortem: str = ""
    resolved_after: timedelta | None = timedelta(hours=1)


def record(bot: RunningBot, incident_id: int, past: Past) -> None:
    with bot.services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        start = incident.declared_at
        if past.summary:
            incident.summary = past.summary
        if past.category:
            incident.root_cause_category = past.category
        if past.services:
            incident.services = past.services
        for n, (user, text) in enumerate(past.messages):
            session.add(
                TimelineEvent(
                    incident_id=incident.id,
                    kind="message",
                    channel_id=incident.channel_id,
                    ts=f"{start.timestamp() + n + 1:.6f}",
                    user_id=user,
                    text=text,
                    occurred_at=start + timedelta(minutes=n + 1),
                )
            )
        for text in past.open_items:
            session.add(ActionItem(incident_id=incident.id, text=text, created_by="UALICE"))
        for text in past.done_items:
            session.add(
                ActionItem(
                    incident_id=incident.id,
                    text=text,
                    created_by="UALICE",
                    status="done",
                    completed_at=utcnow(),
                )
            )
        if past.postmortem:
            session.add(
                Postmortem(
                    incident_id=incident.id, version=1, content=past.postmortem, status="final"
                )
            )
        if past.resolved_after is not None:
            incident.status = "resolved"
            milestones.set_milestone(
                session, incident, "resolved", start + past.resolved_after, "UALICE"
            )


def stored_incident(
    session,  # noqa: ANN001
    number: int,
    declared_at: datetime,
    *,
    severity: str = "SEV2",
    services: list[str] | None = None,
    category: str = "",
    ic: str = "UALICE",
    detect: timedelta | None = None,
    acknowledge: timedelta | None = None,
    resolve: timedelta | None = None,
    private: bool = False,
    title: str = "",
    team_id: str = TEAM_ID,
) -> Incident:
    """An incident from the past, with milestones and an IC span, as lifecycle stores them."""
    incident = Incident(
        team_id=team_id,
        number=number,
        title=title or f"Incident {number}",
        severity=severity,
        status="closed" if resolve else "investigating",
        is_private=private,
        services=services or [],
        declared_by=ic,
        declared_at=declared_at,
        channel_id=f"CHIST{number:04d}",
        channel_name=f"inc-{number}",
        setup_state="ready",
        summary="",
        root_cause_category=category,
    )
    session.add(incident)
    session.flush()
    session.add(Milestone(incident_id=incident.id, kind="declared", at=declared_at))
    if detect is not None:
        session.add(
            Milestone(incident_id=incident.id, kind="impact_started", at=declared_at - detect)
        )
    if acknowledge is not None:
        session.add(
            Milestone(incident_id=incident.id, kind="acknowledged", at=declared_at + acknowledge)
        )
    if resolve is not None:
        session.add(Milestone(incident_id=incident.id, kind="resolved", at=declared_at + resolve))
    session.add(
        RoleAssignment(
            incident_id=incident.id,
            role="incident_commander",
            user_id=ic,
            assigned_by=ic,
            assigned_at=declared_at,
            ended_at=declared_at + resolve if resolve else None,
        )
    )
    session.flush()
    return incident


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def today() -> date:
    return utcnow().date()
