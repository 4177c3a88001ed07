"""Socket Mode: Slack's envelopes over a WebSocket instead of HTTP requests.

The client receives on one thread and acknowledges each envelope on a pool of
its own (``server.socket_threads``). Acknowledgements are quick here, as they
are over HTTP; the slow work they start goes to the work pool.
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.services import Services
from bot.slack_client import make_client
from bot.surface import Surface


def socket_handler(surface: Surface, services: Services) -> SocketModeHandler:
    env = services.settings.env
    return SocketModeHandler(
        surface.app,
        app_token=env.slack_app_token,
        web_client=make_client(env, token=env.slack_app_token),
        concurrency=services.settings.config.server.socket_threads,
    )
