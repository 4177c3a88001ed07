"""``sitrep dead-letters list`` and ``sitrep dead-letters replay``: events kept aside by capture."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from bot.services import Services
from bot.workflows import dead_letters
from config import load_settings
from storage import migrate
from storage.models import DeadLetter


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("dead-letters", help="captured events that could not be written")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="show them, oldest first").set_defaults(run=run_list)
    replay = actions.add_parser("replay", help="write them to the timeline now")
    replay.add_argument("--limit", type=int, default=None, help="at most this many")
    replay.set_defaults(run=run_replay)


def _services() -> Services:
    services = Services.build(load_settings())
    migrate.upgrade(services.db)
    return services


def run_list(_args: argparse.Namespace) -> int:
    services = _services()
    with services.db.session() as session:
        letters = list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
    if not letters:
        print("No dead letters: every captured event was written.")
        return 0
    print("ID     KEPT AT (UTC)        REASON      KIND                    EVENT ID         ERROR")
    for d in letters:
        first_line = (d.error or "").splitlines()[0][:80] if d.error else ""
        print(
            f"{d.id:<6} {d.created_at:%Y-%m-%d %H:%M:%S}  {d.reason:<11} {d.kind:<23} "
            f"{d.event_id or '-':<16} {first_line}"
        )
    print(f"\n{len(letters)} dead letter(s). Fix the cause, then: sitrep dead-letters replay")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    result = dead_letters.replay(_services(), limit=args.limit)
    print(f"Replayed {result.applied}; {result.failed} still failing.")
    return 1 if result.failed else 0
