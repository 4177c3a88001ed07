"""``sitrep report --since 90d --format md|json``: the Incident Intelligence report, printed."""

from __future__ import annotations

import argparse
import json
import sys

from bot.services import Services
from bot.workflows import reports
from config import load_settings
from core.analytics.periods import parse_since
from core.errors import SitrepError
from storage import migrate
from storage.types import utcnow


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="print the Incident Intelligence report")
    parser.add_argument(
        "--since",
        default="30d",
        help="how far back: 30d, 90d, quarter, a month like 2026-05, or a date (default 30d)",
    )
    parser.add_argument("--format", choices=["md", "json"], default="md")
    parser.add_argument("--team", default=None, help="Slack team id, when several share the DB")
    parser.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    services = Services.build(load_settings())
    migrate.upgrade(services.db)
    try:
        period = parse_since(args.since, utcnow())
        known = reports.teams(services)
        team = args.team or (known[0] if len(known) == 1 else "")
        if not args.team and len(known) > 1:
            print(f"sitrep: several workspaces ({', '.join(known)}); pass --team.", file=sys.stderr)
            return 2
        built = reports.build(services, team, period, utcnow())
    except SitrepError as exc:
        print(f"sitrep: {exc}", file=sys.stderr)
        return 2
    finally:
        services.db.dispose()
    if args.format == "json":
        json.dump(built.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(reports.markdown(services, built))
    return 0
