"""Old incidents from Slack's standard workspace export, so history is searchable and counted.

One channel of the export becomes one closed incident whose timeline is the
channel's messages in order; milestones come from the first and last message,
so time-to-resolve stays meaningful for imported history. Reading the export
is in ``export_reader``, turning its messages into rows in ``export_messages``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Severities
from core import incidents, milestones, roles
from core.errors import InvalidInput
from core.importer.export_messages import event_rows, kind_of, occurred_at
from core.importer.export_reader import ExportChannel, SlackExport
from storage.db import Database
from storage.models import (
    SETUP_READY,
    Incident,
    Participant,
    RoleAssignment,
    SlackUser,
    TimelineEvent,
)

CLOSED = "closed"


@dataclass
class ImportResult:
    number: int
    incident_id: int
    channel: str
    messages: int
    first: datetime
    last: datetime
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return f"INC-{self.number}"


def _team_of(export: SlackExport, messages: list[dict[str, Any]]) -> str:
    for user in export.users():
        if user.get("team_id"):
            return str(user["team_id"])
    for message in messages:
        if message.get("team"):
            return str(message["team"])
    return ""


def _already_imported(session: Session, channel: ExportChannel, first_ts: str) -> int | None:
    return session.scalar(
        select(Incident.number)
        .join(TimelineEvent, TimelineEvent.incident_id == Incident.id)
        .where(TimelineEvent.channel_id == channel.id, TimelineEvent.ts == first_ts)
    )


def _remember_users(session: Session, export: SlackExport, team_id: str) -> None:
    """Cache names and time zones of people Sitrep has not seen yet (night counts need them)."""
    known = set(session.scalars(select(SlackUser.user_id)))
    for user in export.users():
        if user["id"] in known:
            continue
        session.add(
            SlackUser(
                user_id=str(user["id"]),
                team_id=str(user.get("team_id") or team_id),
                name=str(user.get("name") or "")[:200],
                real_name=str(user.get("real_name") or "")[:200],
                tz=str(user.get("tz") or "UTC")[:64],
                tz_offset=int(user.get("tz_offset") or 0),
                is_bot=bool(user.get("is_bot")),
            )
        )


def import_channel(
    database: Database,
    path: str | Path,
    channel_name: str,
    severities: Severities,
    *,
    title: str | None = None,
    severity: str | None = None,
    team_id: str | None = None,
    services: list[str] | None = None,
    closed_status: str = CLOSED,
) -> ImportResult:
    """Create one closed incident from an exported channel, all in one transaction.

    ``closed_status`` is the configured name of the closed status, so the
    imported incident counts as closed wherever open incidents are listed.
    """
    with SlackExport(path) as export:
        channel = export.channel(channel_name)
        messages = export.messages(channel)
        if not messages:
            raise InvalidInput(f"#{channel.name} has no messages in the export; nothing to import.")
        level = severities.get(severity) if severity else severities.default
        if level is None:
            raise InvalidInput(
                f"`{severity}` is not a severity. Use one of {', '.join(severities.keys)}."
            )
        team = team_id or _team_of(export, messages)
        if not team:
            raise InvalidInput("The export does not say which workspace it is from; pass --team.")
        first, last = occurred_at(messages[0]["ts"]), occurred_at(messages[-1]["ts"])
        humans = [m["user"] for m in messages if m.get("user") and not m.get("bot_id")]
        declared_by = channel.creator or (humans[0] if humans else "") or "USLACKBOT"
        name = (title or "").strip() or _default_title(channel)
        for _attempt in range(20):
            try:
                with database.session() as session:
                    earlier = _already_imported(session, channel, str(messages[0]["ts"]))
                    if earlier is not None:
                        raise InvalidInput(
                            f"#{channel.name} was already imported as INC-{earlier}."
                        )
                    _remember_users(session, export, team)
                    incident = Incident(
                        team_id=team,
                        number=incidents.allocate_number(session, team),
                        title=name[:300],
                        description=(
                            f"Imported from a Slack export of #{channel.name}: {len(messages)} "
                            f"messages, {first:%Y-%m-%d} to {last:%Y-%m-%d}."
                        ),
                        severity=level.key,
                        status=closed_status,
                        is_private=channel.is_private,
                        services=[s for s in services or [] if s],
                        declared_by=declared_by,
                        declared_at=first,
                        channel_name=channel.name[:80],
                        setup_state=SETUP_READY,
                        summary="",
                    )
                    session.add(incident)
                    session.flush()
                    session.execute(
                        insert(TimelineEvent), list(event_rows(incident.id, channel, messages))
                    )
                    _record_people(session, incident, channel, messages, declared_by, first, last)
                    kinds: dict[str, int] = {}
                    for message in messages:
                        kinds[kind_of(message)] = kinds.get(kind_of(message), 0) + 1
                    return ImportResult(
                        number=incident.number,
                        incident_id=incident.id,
                        channel=channel.name,
                        messages=len(messages),
                        first=first,
                        last=last,
                        kinds=kinds,
                    )
            except IntegrityError:
                continue  # another process took the number; take the next
        raise RuntimeError("could not allocate an incident number after 20 attempts")


def _default_title(channel: ExportChannel) -> str:
    about = channel.purpose or channel.topic
    return f"#{channel.name}: {about}" if about else f"#{channel.name} (imported)"


def _record_people(
    session: Session,
    incident: Incident,
    channel: ExportChannel,
    messages: list[dict[str, Any]],
    declared_by: str,
    first: datetime,
    last: datetime,
) -> None:
    """Milestones, the IC's span, and who took part, all from the messages."""
    milestones.set_milestone(session, incident, "declared", first, declared_by)
    responder = next(
        (m for m in messages if m.get("user") and not m.get("bot_id") and m["user"] != declared_by),
        None,
    )
    if responder is not None:
        milestones.set_milestone(
            session, incident, "acknowledged", occurred_at(responder["ts"]), responder["user"]
        )
    milestones.set_milestone(session, incident, "resolved", last, None)
    milestones.set_milestone(session, incident, "closed", last, None)
    session.add(
        RoleAssignment(
            incident_id=incident.id,
            role=roles.INCIDENT_COMMANDER,
            user_id=declared_by,
            assigned_by=declared_by,
            assigned_at=first,
            ended_at=last,
        )
    )
    joined: dict[str, datetime] = {}
    for message in messages:
        user = message.get("user")
        if user and not message.get("bot_id"):
            joined.setdefault(str(user), occurred_at(message["ts"]))
    for member in channel.members:
        joined.setdefault(member, first)
    for user_id, at in joined.items():
        session.add(Participant(incident_id=incident.id, user_id=user_id, joined_at=at))
