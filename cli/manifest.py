"""``sitrep manifest``: print the Slack app manifest to paste into api.slack.com/apps."""

from __future__ import annotations

import argparse
import sys

from bot.manifest import tailored


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("manifest", help="print the Slack app manifest for app setup")
    parser.add_argument(
        "--url",
        default="",
        help="your server's public base URL, e.g. https://sitrep.acme.com (HTTP mode)",
    )
    parser.add_argument("--socket", action="store_true", help="turn Socket Mode on")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = args.url.strip()
    if url and not url.startswith(("https://", "http://")):
        print("sitrep: --url must start with https://", file=sys.stderr)
        return 2
    sys.stdout.write(tailored(url, socket_mode=args.socket))
    return 0
