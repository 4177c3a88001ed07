"""``sitrep db upgrade``: apply migrations by hand (``serve`` also does it on start)."""

from __future__ import annotations

import argparse

from config import EnvSettings
from storage import migrate
from storage.db import Database


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="apply all pending migrations")
    upgrade.set_defaults(run=run_upgrade)


def run_upgrade(_args: argparse.Namespace) -> int:
    database = Database(EnvSettings.from_environ().database_url)
    migrate.upgrade(database)
    print(f"database is at {', '.join(sorted(migrate.current_heads(database)))}")
    return 0
