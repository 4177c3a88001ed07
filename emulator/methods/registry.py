"""Maps Web API method names to handler functions, and what a handler is given.

Handlers are plain synchronous functions run on the server thread while the
dispatcher holds the workspace lock, so they read and write state freely and
stay short; anything slow (fault delays, sockets) lives in the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.args import Args
from emulator.state import Workspace


@dataclass
class Ctx:
    """What a handler may use besides its arguments."""

    ws: Workspace
    base_url: str
    new_socket_url: Callable[[], str]

    @property
    def caller(self) -> str:
        """The user the token acts as (always the bot user for the bot token)."""
        return self.ws.bot_user_id


Handler = Callable[[Ctx, Args], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under its Slack method name."""

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register
