"""Old incidents from Slack's standard workspace export, so history is searchable and counted.

An export (a zip, or the folder it unpacks to) holds ``channels.json`` (public
channels), ``groups.json`` (private ones, in exports that include them),
``users.json`` and one folder per channel of ``YYYY-MM-DD.json`` files, each
an array of messages. One channel becomes one closed incident whose timeline
is the channel's messages in order; milestones come from the first and last
message, so time-to-resolve stays meaningful for imported history.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Severities
from core import incidents, milestones, roles
from core.errors import InvalidInput, NotFound
from storage.db import Database
from storage.models import (
    SETUP_READY,
    Incident,
    Participant,
    RoleAssignment,
    SlackUser,
    TimelineEvent,
)
from storage.types import utcnow

CLOSED = "closed"
KINDS = {
    None: "message",
    "bot_message": "bot_message",
    "file_share": "file",
    "file_comment": "file",
    "channel_join": "join",
    "group_join": "join",
    "channel_leave": "leave",
    "group_leave": "leave",
}


@dataclass(frozen=True)
class ExportChannel:
    id: str
    name: str
    is_private: bool
    members: tuple[str, ...] = ()
    creator: str = ""
    topic: str = ""
    purpose: str = ""


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


class SlackExport:
    """Read access to an export, zipped or unpacked, without extracting it anywhere."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except zipfile.BadZipFile as exc:
                raise InvalidInput(f"{self.path} is not a zip file or an export folder.") from exc
            # Some exports are zipped with a top folder around everything.
            names = self._zip.namelist()
            if "channels.json" not in names:
                nested = [n for n in names if PurePosixPath(n).name == "channels.json"]
                if nested:
                    self._prefix = str(PurePosixPath(nested[0]).parent) + "/"
        elif not self.path.is_dir():
            raise NotFound(f"There is no export at {self.path}.")
        if self.read("channels.json") is None and self.read("groups.json") is None:
            raise InvalidInput(
                f"{self.path} is not a Slack export: it has no channels.json or groups.json."
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> SlackExport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _names(self, folder: str) -> list[str]:
        if self._zip is not None:
            prefix = self._prefix + folder + "/"
            return sorted(
                n[len(self._prefix) :]
                for n in self._zip.namelist()
                if n.startswith(prefix) and n.endswith(".json") and "/" not in n[len(prefix) :]
            )
        base = self.path / folder
        if not base.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in base.iterdir() if p.suffix == ".json")

    def read(self, name: str) -> Any:
        try:
            if self._zip is not None:
                raw = self._zip.read(self._prefix + name)
            else:
                file = self.path / name
                if not file.is_file():
                    return None
                raw = file.read_bytes()
        except KeyError:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{name} in the export is not valid JSON: {exc}") from exc

    def channels(self) -> list[ExportChannel]:
        found = []
        for file, private in (("channels.json", False), ("groups.json", True)):
            for raw in self.read(file) or []:
                if not isinstance(raw, dict) or not raw.get("name"):
                    continue
                found.append(
                    ExportChannel(
                        id=str(raw.get("id") or raw["name"]),
                        name=str(raw["name"]),
                        is_private=private,
                        members=tuple(str(m) for m in raw.get("members") or []),
                        creator=str(raw.get("creator") or ""),
                        topic=str((raw.get("topic") or {}).get("value") or ""),
                        purpose=str((raw.get("purpose") or {}).get("value") or ""),
                    )
                )
        return found

    def channel(self, wanted: str) -> ExportChannel:
        name = wanted.strip().lstrip("#")
        for channel in self.channels():
            if name in (channel.name, channel.id):
                return channel
        known = ", ".join(sorted(c.name for c in self.channels())) or "none"
        raise NotFound(f"The export has no channel #{name}. Channels in it: {known}.")

    def users(self) -> list[dict[str, Any]]:
        return [u for u in self.read("users.json") or [] if isinstance(u, dict) and u.get("id")]

    def messages(self, channel: ExportChannel) -> list[dict[str, Any]]:
        """Every message of the channel, oldest first, each ts once."""
        seen: dict[str, dict[str, Any]] = {}
        for name in self._names(channel.name):
            day = self.read(name)
            if not isinstance(day, list):
                raise InvalidInput(f"{name} in the export is not a list of messages.")
            for message in day:
                if isinstance(message, dict) and _ts_value(message.get("ts")) is not None:
                    seen.setdefault(str(message["ts"]), message)
        return sorted(seen.values(), key=lambda m: _ts_value(m["ts"]) or Decimal(0))


def _ts_value(ts: Any) -> Decimal | None:
    try:
        return Decimal(str(ts))
    except (InvalidOperation, ValueError):
        return None


def occurred_at(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def message_text(message: dict[str, Any]) -> str:
    """The words of a message; bots often say everything in attachments."""
    parts = [str(message.get("text") or "")]
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        pieces = [attachment.get("pretext"), attachment.get("title"), attachment.get("text")]
        words = [str(p) for p in pieces if p]
        if not words and attachment.get("fallback"):
            words = [str(attachment["fallback"])]
        parts.extend(words)
    files = list(message.get("files") or [])
    if isinstance(message.get("file"), dict):
        files.append(message["file"])
    for file in files:
        if isinstance(file, dict) and (file.get("title") or file.get("name")):
            label = str(file.get("title") or file.get("name"))
            if label not in parts[0]:
                parts.append(label)
    return "\n".join(p for p in parts if p.strip())


def kind_of(message: dict[str, Any]) -> str:
    subtype = message.get("subtype")
    if subtype is None and message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        return "reply"
    return KINDS.get(subtype, "bot_message" if message.get("bot_id") else "message")


def _event_rows(
    incident_id: int, channel: ExportChannel, messages: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    now = utcnow()
    for message in messages:
        ts = str(message["ts"])
        thread_ts = message.get("thread_ts")
        edited = message.get("edited") or {}
        data: dict[str, Any] = {"imported": True}
        if message.get("subtype"):
            data["subtype"] = message["subtype"]
        if message.get("reply_count"):
            data["reply_count"] = message["reply_count"]
        yield {
            "incident_id": incident_id,
            "kind": kind_of(message),
            "channel_id": channel.id,
            "ts": ts,
            "thread_ts": str(thread_ts) if thread_ts and thread_ts != ts else None,
            "user_id": message.get("user"),
            "bot_id": message.get("bot_id"),
            "text": message_text(message),
            "data": data,
            "occurred_at": occurred_at(ts),
            "recorded_at": now,
            "edited_at": occurred_at(edited["ts"]) if _ts_value(edited.get("ts")) else None,
            "is_key": False,
            "categories": [],
        }


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
) -> ImportResult:
    """Create one closed incident from an exported channel, all in one transaction."""
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
                        status=CLOSED,
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
                        insert(TimelineEvent), list(_event_rows(incident.id, channel, messages))
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
