"""The Bolt app factory: one place that wires listeners to the domain."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot import commands, listeners, metrics
from bot.services import Services
from bot.slack_client import make_client
from bot.surface import Surface


def create_app(services: Services, client: WebClient | None = None) -> Surface:
    """Build the Bolt app and register every listener; returns its ``Surface``."""
    env = services.settings.env
    app = App(
        client=client or make_client(env),
        signing_secret=env.slack_signing_secret or "socket-mode-has-no-signing-secret",
        # Token checks happen in `sitrep serve`, with a readable message; Bolt's
        # own check would crash start-up whenever Slack is briefly unreachable.
        token_verification_enabled=False,
        logger=logging.getLogger("sitrep.bolt"),
    )
    if metrics.enabled():
        metrics.instrument_app(app)
    surface = Surface(app)
    commands.register_all(surface, services)
    listeners.register_all(surface, services)
    return surface
