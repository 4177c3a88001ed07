"""``sitrep import slack-export <zip or dir> --channel <name> [--title ...]``."""

from __future__ import annotations

import argparse
import sys

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack_client import make_client
from config import EnvSettings, load_settings
from core.errors import InvalidInput, SitrepError
from core.importer import slack_export, workspace
from core.importer.export_reader import SlackExport
from storage import migrate
from storage.db import Database


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("import", help="bring past incidents in from elsewhere")
    kinds = parser.add_subparsers(dest="kind", required=True)
    export = kinds.add_parser(
        "slack-export",
        help="one channel of a Slack workspace export becomes a closed incident",
    )
    export.add_argument("path", help="the export's .zip, or the folder it unpacks to")
    export.add_argument("--channel", required=True, help="the channel's name (or id) in the export")
    export.add_argument(
        "--title", default=None, help="the incident's title (default: from the channel)"
    )
    export.add_argument(
        "--severity", default=None, help="e.g. sev2 (default: the default severity)"
    )
    export.add_argument(
        "--service", action="append", default=[], help="an affected service; repeatable"
    )
    export.add_argument(
        "--team",
        default=None,
        help="Slack team id (default: the bot's workspace, else the database's only one, "
        "else the export's)",
    )
    export.set_defaults(run=run_slack_export)


def run_slack_export(args: argparse.Namespace) -> int:
    settings = load_settings()
    database = Database(settings.env.database_url)
    try:
        migrate.upgrade(database)
        team = args.team or _workspace(settings.env, database, args.path)
        result = slack_export.import_channel(
            database,
            args.path,
            args.channel,
            settings.config.severities,
            title=args.title,
            severity=args.severity,
            team_id=team,
            services=args.service,
            closed_status=settings.config.lifecycle.statuses.closed,
        )
    except SitrepError as exc:
        print(f"sitrep: {exc}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(
        f"Imported #{result.channel} as {result.reference}: {result.messages} messages, "
        f"{result.first:%Y-%m-%d} to {result.last:%Y-%m-%d}. It is closed and searchable."
    )
    return 0


def _workspace(env: EnvSettings, database: Database, path: str) -> str:
    """The workspace to import into when --team is not given."""
    with database.session() as session:
        known = workspace.database_workspaces(session)
    with SlackExport(path) as export:
        found = workspace.Workspaces(
            bot=_bot_workspace(env), database=known, export=workspace.export_workspaces(export)
        )
    return workspace.choose(None, found)


def _bot_workspace(env: EnvSettings) -> str:
    """``auth.test``'s team when a bot token is set: the workspace Sitrep serves."""
    if not env.slack_bot_token:
        return ""
    try:
        return str(make_client(env, timeout=10).auth_test()["team_id"])
    except SlackApiError as exc:
        raise InvalidInput(
            f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error', 'unknown error')}), so "
            "Sitrep cannot tell which workspace to import into. Fix the token, or pass --team."
        ) from exc
    except (SlackClientError, OSError) as exc:
        raise InvalidInput(
            f"Slack could not be reached at {env.slack_api_url} ({exc}). Check SLACK_API_URL, "
            "or pass --team."
        ) from exc
