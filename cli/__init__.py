"""The ``sitrep`` command line: one module per command group."""

from __future__ import annotations

import argparse
import sys

from cli import db, dead_letters, doctor, export, imports, jobs, logs, report, serve
from config import ConfigError, MissingSetting, OperationsSettings

GROUPS = [serve, db, export, jobs, report, imports, dead_letters, doctor]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitrep", description="Slack-first incident management.")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    sub = parser.add_subparsers(dest="group", required=True)
    for group in GROUPS:
        group.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        log_format = OperationsSettings.from_environ().log_format
    except ConfigError as exc:
        print(f"sitrep: {exc}", file=sys.stderr)
        return 2
    logs.configure(args.log_level, log_format)
    try:
        return int(args.run(args) or 0)
    except (ConfigError, MissingSetting) as exc:
        print(f"sitrep: {exc}", file=sys.stderr)
        return 2
