"""The ``sitrep`` command line: one module per command group.

Running a command imports only its own module (``sitrep --help`` imports them
all): ``sitrep sandbox`` then has its page up while the rest of Sitrep is still
loading, and a newcomer waits about a second less.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

from cli import logs
from config import ConfigError, MissingSetting, OperationsSettings

# The command each module registers -> the module (cli/<module>.py), in help order.
GROUPS = {
    "serve": "serve",
    "sandbox": "sandbox",
    "db": "db",
    "export": "export",
    "jobs": "jobs",
    "report": "report",
    "import": "imports",
    "manifest": "manifest",
    "rules": "rules",
    "dead-letters": "dead_letters",
    "doctor": "doctor",
}


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"cli.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser for every command, or for just ``only`` (a key of ``GROUPS``)."""
    parser = argparse.ArgumentParser(prog="sitrep", description="Slack-first incident management.")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    sub = parser.add_subparsers(dest="group", required=True)
    for command, module in GROUPS.items():
        if only is None or command == only:
            _module(module).add_parser(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The command named on the line, when it is one we know (options may come first)."""
    words = iter(argv)
    for word in words:
        if word == "--log-level":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in GROUPS else None
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(_command_of(argv)).parse_args(argv)
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
