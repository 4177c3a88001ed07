"""``sitrep serve``: HTTP mode on waitress, or ``--socket`` for Socket Mode."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.server import make_server
from bot.services import Services
from bot.slack_client import make_client
from bot.socket_mode import socket_handler
from bot.workflows.slack_errors import explain
from cli.runtime import run_startup_tasks, start_scheduler
from config import load_settings
from storage import migrate

log = logging.getLogger(__name__)

LOOPBACK, ALL_INTERFACES = "127.0.0.1", "0.0.0.0"
# Files container runtimes leave at the root: Docker's, and Podman's.
CONTAINER_MARKERS = (".dockerenv", "run/.containerenv")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="run the bot")
    parser.add_argument(
        "--host",
        default=None,
        help="address to listen on (HTTP mode); default SITREP_HOST, else 127.0.0.1, "
        "or 0.0.0.0 inside a container",
    )
    parser.add_argument("--port", type=int, default=3000, help="port to listen on (HTTP mode)")
    parser.add_argument("--threads", type=int, default=16, help="HTTP worker threads")
    parser.add_argument("--socket", action="store_true", help="use Socket Mode (SLACK_APP_TOKEN)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.socket:
        settings.env.require_socket_tokens()
    else:
        settings.env.require_http_tokens()
    services = Services.build(settings)
    migrate.upgrade(services.db)
    client = make_client(settings.env)
    if not _token_works(client):
        return 2
    surface = create_app(services, client)
    run_startup_tasks(services, client)
    scheduler = start_scheduler(services)
    if args.socket:
        handler = socket_handler(surface, services)
        log.info("Sitrep is connecting in Socket Mode")
        try:
            handler.start()
        finally:
            scheduler.stop()
        return 0
    host = args.host or default_host(settings.env.host)
    server = make_server(surface.app, services, host, args.port, threads=args.threads)
    print(f"Sitrep listening on http://{host}:{server.effective_port}/slack/events", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        scheduler.stop()
    return 0


def default_host(
    configured: str, environ: Mapping[str, str] | None = None, root: Path = Path("/")
) -> str:
    """Loopback unless told otherwise, so a bare ``sitrep serve`` is not open to the network.

    Production puts a reverse proxy in front (docs/deployment.md). Inside a
    container loopback is unreachable from outside, so there every interface is
    the only useful default; the container's own port mapping decides exposure.
    """
    if configured:
        return configured
    env = os.environ if environ is None else environ
    in_container = (
        any((root / marker).exists() for marker in CONTAINER_MARKERS)
        or bool(env.get("container"))  # set by Podman and systemd-nspawn
        or bool(env.get("KUBERNETES_SERVICE_HOST"))
    )
    return ALL_INTERFACES if in_container else LOOPBACK


def _token_works(client) -> bool:  # type: ignore[no-untyped-def]
    """A bad token stops start-up; an unreachable Slack only warns, and the bot retries later."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        print(
            f"sitrep: Slack rejected SLACK_BOT_TOKEN: {explain(exc)}. "
            "See 'Slack app setup' in the README.",
            file=sys.stderr,
        )
        return False
    except OSError as exc:
        log.warning("Slack is unreachable at start-up (%s); serving anyway", exc)
    return True
