"""``sitrep rules test``: which rules an event would trigger, and what they would do.

It reads the same configuration as ``serve`` and asks the same planner the bot
uses, but takes no action and needs no Slack or database, so an operator can
try a rule change before deploying it.
"""

from __future__ import annotations

import argparse
import sys

from bot.workflows.rules import PROVIDED_BY, executor_for
from config import EnvSettings, load_config
from config.rules import EVENTS
from core import rules


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("rules", help="check the rules in the configuration")
    actions = parser.add_subparsers(dest="action", required=True)
    test = actions.add_parser(
        "test", help="print which rules an incident event would trigger, without doing anything"
    )
    test.add_argument("--event", required=True, choices=EVENTS, help="the incident event")
    test.add_argument("--severity", help="the incident's severity, e.g. SEV1 (default: default)")
    test.add_argument(
        "--service", action="append", default=[], help="an affected service key (repeatable)"
    )
    test.add_argument(
        "--team", action="append", default=[], help="an owning team (added to the services')"
    )
    test.add_argument("--tag", action="append", default=[], help="an incident tag (repeatable)")
    test.add_argument("--status", default="", help="the incident's status after the event")
    test.add_argument("--private", action="store_true", help="the incident is private")
    test.set_defaults(run=run_test)


def run_test(args: argparse.Namespace) -> int:
    config = load_config(EnvSettings.from_environ().config_path)
    severity = config.severities.get(args.severity) if args.severity else config.severities.default
    if severity is None:
        print(
            f"sitrep: --severity {args.severity!r} is not one of "
            f"{', '.join(config.severities.keys)}",
            file=sys.stderr,
        )
        return 2
    services = frozenset(s.strip().lower() for s in args.service if s.strip())
    unknown = sorted(s for s in services if config.catalog.get(s) is None)
    status = config.lifecycle.statuses.get(args.status) if args.status else None
    if args.status and status is None:
        print(
            f"sitrep: --status {args.status!r} is not one of "
            f"{', '.join(config.lifecycle.statuses.all)}",
            file=sys.stderr,
        )
        return 2
    facts = rules.Facts(
        severity=severity.key,
        services=services,
        teams=rules.teams_of(services, config.catalog) | {t.lower() for t in args.team},
        private=args.private,
        tags=frozenset(t.lower().lstrip("#") for t in args.tag),
        status=status or config.lifecycle.statuses.initial,
    )
    plan = rules.plan(config.rules, args.event, facts)
    print(
        f"Event {args.event} for a {'private ' if facts.private else ''}{facts.severity} "
        f"incident, services: {', '.join(sorted(services)) or 'none'}, "
        f"teams: {', '.join(sorted(facts.teams)) or 'none'}, "
        f"tags: {', '.join(sorted(facts.tags)) or 'none'}, status: {facts.status}"
    )
    for key in unknown:
        print(f"note: {key!r} is not in the service catalog (it still counts as a service)")
    considered = config.rules.for_event(args.event)
    for rule in considered:
        if rule not in plan.matched:
            print(f"- rule {rule.name!r}: its conditions do not hold, skipped")
    if not plan.matched:
        print(
            f"No rule matches ({len(considered)} rule(s) for {args.event}); "
            "nothing would happen."
        )
        return 0
    print("Would do, in order:")
    for step, action in enumerate(plan.actions, start=1):
        note = ""
        if executor_for(action.kind) is None:
            provider = PROVIDED_BY.get(action.kind, action.kind)
            note = f" (not configured: {provider} is not set up; the bot would only record it)"
        print(f"{step}. [{action.rule}] {rules.describe(action)}{note}")
    return 0
