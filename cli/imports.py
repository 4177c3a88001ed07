"""``sitrep import slack-export <zip or dir> --channel <name> [--title ...]``."""

from __future__ import annotations

import argparse
import sys

from config import load_settings
from core.errors import SitrepError
from core.importer import slack_export
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
    export.add_argument("--team", default=None, help="Slack team id (default: from the export)")
    export.set_defaults(run=run_slack_export)


def run_slack_export(args: argparse.Namespace) -> int:
    settings = load_settings()
    database = Database(settings.env.database_url)
    try:
        migrate.upgrade(database)
        result = slack_export.import_channel(
            database,
            args.path,
            args.channel,
            settings.config.severities,
            title=args.title,
            severity=args.severity,
            team_id=args.team,
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
