"""Which workspace an imported channel belongs to, worked out rather than asked for.

The incident must land in the workspace where Sitrep runs, or nobody will ever
see it: the export's own team id is only a last resort, because an export is
often made in another (older, or merged) workspace. So the bot's own
workspace wins, then the only workspace the database knows, then the
export's, and the user is asked only when those leave a real choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.importer.export_reader import SlackExport
from storage.models import Incident


@dataclass(frozen=True)
class Workspaces:
    """What each source says; empty where a source has nothing to say."""

    bot: str = ""  # auth.test's team_id, when a bot token is set
    database: tuple[str, ...] = ()  # workspaces that already have incidents
    export: tuple[str, ...] = ()  # team ids named in the export's users and messages


def database_workspaces(session: Session) -> tuple[str, ...]:
    return tuple(sorted(session.scalars(select(Incident.team_id).distinct())))


def export_workspaces(export: SlackExport) -> tuple[str, ...]:
    teams = {str(user["team_id"]) for user in export.users() if user.get("team_id")}
    return tuple(sorted(teams))


def choose(explicit: str | None, found: Workspaces) -> str:
    """The workspace to import into, or an error that lists what was found."""
    if explicit:
        return explicit
    if found.bot:
        return found.bot
    if len(found.database) == 1:
        return found.database[0]
    shared = set(found.database) & set(found.export)
    if len(shared) == 1:
        return shared.pop()
    if not found.database and len(found.export) == 1:
        return found.export[0]
    raise InvalidInput(_ambiguous(found))


def _ambiguous(found: Workspaces) -> str:
    named = _describe("in the database", found.database) + _describe("in the export", found.export)
    if not named:
        return (
            "Sitrep could not tell which workspace this export belongs to: no bot token is "
            "set, the database has no incidents yet and the export names no team. Pass "
            "--team T… (your workspace id, shown by `auth.test` or in Slack's URL)."
        )
    return (
        f"Sitrep found several workspaces ({'; '.join(named)}) and cannot tell which one "
        "this export belongs to. Pass --team with one of them, or set SLACK_BOT_TOKEN so "
        "Sitrep can ask Slack."
    )


def _describe(where: str, teams: Iterable[str]) -> list[str]:
    teams = list(teams)
    return [f"{', '.join(teams)} {where}"] if teams else []
