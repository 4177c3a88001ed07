"""The sandbox's line to the app: requests signed with the signing secret, as Slack sends them.

Slash commands and interactions are awaited, because what the app acks (an
ephemeral reply, a modal's ``response_action``) changes what the person sees.
Events go through one queue and one worker so they arrive in the order they
happened, the way Slack mostly delivers them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Answer:
    """What the app answered: HTTP status and body (``status`` 0 when it could not be reached)."""

    status: int
    body: bytes = b""
    problem: str = ""

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; {} when empty or not JSON (Bolt acks with an empty body)."""
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class AppLink:
    """Posts to the app's request URL; lives on the emulator's event loop."""

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret
        self._session: aiohttp.ClientSession | None = None
        self._events: asyncio.Queue[dict[str, Any]] | None = None
        self._worker: asyncio.Task[None] | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
            )
        return self._session

    async def post(self, body: bytes, content_type: str) -> Answer:
        """One signed request; a refused connection is an answer too, not an exception."""
        if not self.url:
            return Answer(0, problem="no app is connected to this sandbox")
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(self.secret, stamp, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        try:
            async with self._client().post(self.url, data=body, headers=headers) as response:
                return Answer(response.status, await response.read())
        except aiohttp.ClientConnectorError:
            return Answer(0, problem="connection refused")
        except TimeoutError:
            return Answer(0, problem=f"no answer within {REQUEST_TIMEOUT:.0f}s")
        except (aiohttp.ClientError, OSError) as exc:
            return Answer(0, problem=type(exc).__name__)

    async def command(self, form: dict[str, str]) -> Answer:
        """A slash command, form-encoded."""
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    async def interactive(self, payload: dict[str, Any]) -> Answer:
        """block_actions, view_submission, shortcuts: a form with one ``payload`` field."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded")

    def queue_event(self, envelope: dict[str, Any]) -> None:
        """Deliver an event_callback in order, after what was queued before it."""
        if self._events is None:
            self._events = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._deliver_events())
        self._events.put_nowait(envelope)

    async def _deliver_events(self) -> None:
        assert self._events is not None
        while True:
            envelope = await self._events.get()
            body = json.dumps(envelope).encode()
            answer = await self.post(body, "application/json")
            if answer.status != 200:
                kind = envelope.get("event", {}).get("type")
                log.warning(
                    "the app did not take a %s event: %s", kind, answer.problem or answer.status
                )

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
