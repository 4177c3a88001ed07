"""A real Sitrep, served over HTTP on loopback, talking to the Slack emulator."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.app import create_app
from bot.server import make_server
from bot.services import Services
from bot.slack_client import make_client
from bot.socket_mode import socket_handler
from bot.surface import Surface
from cli.runtime import run_startup_tasks, start_scheduler
from config import load_settings
from emulator import SlackEmulator
from storage import migrate
from tests.support.signing import SlackSender

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
TEAM_ID = "T0000001"


def bot_environment(emulator: SlackEmulator, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        **extra,
    }


@dataclass
class RunningBot:
    services: Services
    surface: Surface
    emulator: SlackEmulator
    url: str
    sender: SlackSender
    _server: Any = None
    _thread: threading.Thread | None = None
    _socket: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def command(self, text: str, **kwargs: Any) -> Any:
        kwargs.setdefault("response_url", self.emulator.response_url())
        return self.sender.command(text, **kwargs)

    def stop(self) -> None:
        self.emulator.unsubscribe()
        if self._socket is not None:
            self._socket.close()
        if self.services.scheduler is not None:
            self.services.scheduler.stop()
        if self._server is not None:
            self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.services.db.dispose()


def _build(environ: Mapping[str, str]) -> tuple[Services, Surface]:
    """Build and migrate Sitrep and run its start-up work, the way ``sitrep serve`` does."""
    settings = load_settings(environ)
    services = Services.build(settings)
    migrate.upgrade(services.db)
    client = make_client(settings.env)
    surface = create_app(services, client)
    run_startup_tasks(services, client).join(timeout=30)
    start_scheduler(services)
    return services, surface


def start_bot(emulator: SlackEmulator, environ: Mapping[str, str]) -> RunningBot:
    """Sitrep served over HTTP in this process."""
    services, surface = _build(environ)
    server = make_server(surface.app, services, "127.0.0.1", 0, threads=8)
    thread = threading.Thread(target=server.run, name="sitrep-http", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/slack/events"
    # Like an app with event subscriptions: Slack's own events (member_joined_channel
    # after the bot creates a channel or invites someone) reach the bot.
    emulator.subscribe(url, services.settings.env.slack_signing_secret)
    return RunningBot(
        services=services,
        surface=surface,
        emulator=emulator,
        url=url,
        sender=SlackSender(url, services.settings.env.slack_signing_secret, team_id=TEAM_ID),
        _server=server,
        _thread=thread,
    )


def start_socket_bot(emulator: SlackEmulator, environ: Mapping[str, str]) -> RunningBot:
    """Sitrep connected to the emulator in Socket Mode, in this process; drive it with
    ``emulator.socket_send``."""
    services, surface = _build(environ)
    handler = socket_handler(surface, services)
    handler.connect()
    if not emulator.socket_connected(timeout=30):
        raise AssertionError("Sitrep did not connect in Socket Mode")
    return RunningBot(
        services=services,
        surface=surface,
        emulator=emulator,
        url="",
        sender=SlackSender("", services.settings.env.slack_signing_secret, team_id=TEAM_ID),
        _socket=handler,
    )
