"""``sitrep export incident <number> --format json``."""

from __future__ import annotations

import argparse
import json
import sys

from config import EnvSettings
from core import export
from core.errors import NotFound
from storage.db import Database


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="export data")
    kinds = parser.add_subparsers(dest="kind", required=True)
    incident = kinds.add_parser("incident", help="one incident with everything recorded about it")
    incident.add_argument("number", type=int)
    incident.add_argument("--format", choices=["json"], default="json")
    incident.add_argument("--team", default=None, help="Slack team id, when several share the DB")
    incident.set_defaults(run=run_incident)


def run_incident(args: argparse.Namespace) -> int:
    database = Database(EnvSettings.from_environ().database_url)
    try:
        with database.session() as session:
            document = export.incident_document(session, args.number, team_id=args.team)
    except NotFound as exc:
        print(f"sitrep: {exc}", file=sys.stderr)
        return 1
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
