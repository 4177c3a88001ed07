"""``sitrep serve``: HTTP mode on waitress, or ``--socket`` for Socket Mode."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.server import make_server
from bot.services import Services
from bot.slack_client import make_client
from bot.socket_mode import socket_handler
from bot.workflows.slack_errors import explain
from cli import shutdown
from cli.runtime import run_startup_tasks, start_scheduler
from config import load_settings
from scheduler.service import Scheduler
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
    deadline: list[shutdown.Deadline] = []
    timeout = settings.operations.shutdown_timeout
    if args.socket:
        handler = socket_handler(surface, services)
        stopping = shutdown.on_signal(lambda: deadline.append(shutdown.Deadline(timeout)))
        handler.connect()
        _announce(services, scheduler, "Socket Mode", "connected to Slack")
        stopping.wait()
        log.info("stopping: no more requests; draining for up to %.0f s", timeout)
        handler.close()  # no more requests
        clean = shutdown.drain(services, surface.app, scheduler, deadline[0])
        return _stopped(services, clean)
    host = args.host or default_host(settings.env.host)
    server = make_server(surface.app, services, host, args.port, threads=args.threads)
    outcome: list[bool] = []

    def stop() -> None:
        deadline.append(shutdown.Deadline(timeout))
        shutdown.stop_accepting(server)

        def finish() -> None:
            log.info("stopping: no more requests; draining for up to %.0f s", timeout)
            try:
                clean = shutdown.http_requests_done(server, deadline[0])
                clean = shutdown.drain(services, surface.app, scheduler, deadline[0]) and clean
                outcome.append(clean)
            finally:
                shutdown.close_loop(server)

        threading.Thread(target=finish, name="sitrep-drain", daemon=True).start()

    shutdown.on_signal(stop)
    _announce(
        services,
        scheduler,
        "HTTP",
        f"listening on http://{host}:{server.effective_port}/slack/events",
    )
    server.run()  # returns once the drain has closed every connection
    return _stopped(services, bool(outcome and outcome[0]))


def _stopped(services: Services, clean: bool) -> int:
    services.db.dispose()
    log.info("Sitrep stopped%s", "" if clean else " (some work was cut short; see above)")
    return 0 if clean else 1


def _announce(services: Services, scheduler: Scheduler, mode: str, where: str) -> None:
    """The one start-up line: how this process runs, and what is on."""
    scheduler.checked.wait(10)  # leader or follower is known after the first check
    settings = services.settings
    config, env, ops = settings.config, settings.env, settings.operations
    features = [
        f"broadcast #{config.channels.broadcast_channel}",
        "AI postmortem drafts" if env.anthropic_api_key and config.postmortem.ai.enabled else "",
        "postmortem on resolve" if config.postmortem.auto_on_resolve else "",
        "private channels by default" if config.channels.private_by_default else "",
        "metrics at /metrics" if ops.metrics_enabled and mode == "HTTP" else "",
        "metrics" if ops.metrics_enabled and mode != "HTTP" else "",
        "JSON logs" if ops.log_format == "json" else "",
        "integrations: none configured",
    ]
    log.info(
        "Sitrep started: mode=%s, database=%s, role=%s, %s; features: %s",
        mode,
        services.db.dialect,
        "leader" if scheduler.leading else "follower",
        where,
        ", ".join(f for f in features if f),
    )


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
