"""The Bolt app factory: one place that wires listeners to the domain.

Acknowledgements run on the receiving thread (``process_before_response``)
and slow work on Sitrep's own bounded pool; ``bot.surface`` explains why.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot import commands, listeners, metrics
from bot.log_privacy import withhold_bodies
from bot.queued import QueuedNotices
from bot.request_checks import Replays
from bot.services import Services
from bot.slack_client import make_client, make_quick_client
from bot.surface import Surface
from bot.work_pool import WorkPool
from storage.seen_requests import SeenRequests


def create_app(services: Services, client: WebClient | None = None) -> Surface:
    """Build the Bolt app and register every listener; returns its ``Surface``."""
    env = services.settings.env
    client = client or make_client(env)
    pool = WorkPool(services.settings.config.server.work_threads)
    app = App(
        client=client,
        signing_secret=env.slack_signing_secret or "socket-mode-has-no-signing-secret",
        # Token checks happen in `sitrep serve`, with a readable message; Bolt's
        # own check would crash start-up whenever Slack is briefly unreachable.
        token_verification_enabled=False,
        # Bolt copies this logger's filters to its own loggers, so add it first.
        logger=withhold_bodies(logging.getLogger("sitrep.bolt")),
        process_before_response=True,
        listener_executor=pool,
    )
    surface = Surface(
        app,
        pool=pool,
        quick_client=make_quick_client(client),
        queued=QueuedNotices(services.templates, client),
        replays=Replays(SeenRequests(services.db)),
    )
    if metrics.enabled():
        metrics.instrument_app(app)
    commands.register_all(surface, services)
    listeners.register_all(surface, services)
    return surface
