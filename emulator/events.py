"""Events Slack sends by itself after the bot's own calls, delivered as the app subscribed.

Slack tells an app about membership changes in the channels it is in, those
the bot caused included: ``conversations.create`` makes the creator join (a
``member_joined_channel`` for the bot), ``conversations.invite`` one per person
added (with the ``inviter``), ``conversations.join`` one for the bot. A handler
queues them with ``emit`` while it holds the workspace lock; the server sends
them once the call has been answered, one at a time and in order, as signed
Events API requests to the subscribed request URL or over Socket Mode.

Nothing is sent until a test (or the sandbox) subscribes, as an app without
event subscriptions gets nothing. Each delivery is recorded, with the answer
it got, in ``Workspace.deliveries``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from emulator.payloads import event_callback
from emulator.socket_mode import SocketHub, envelope
from emulator.state import Channel, Workspace

ACK_SECONDS = 3.0  # what Slack waits for an app's 2xx


def member_joined(
    ws: Workspace, channel: Channel, user_id: str, inviter: str | None = None
) -> dict[str, Any]:
    """The ``member_joined_channel`` event Slack sends when ``user_id`` joins ``channel``."""
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "user": user_id,
        "channel": channel.id,
        "channel_type": "G" if channel.is_private or channel.is_mpim else "C",
        "team": ws.team_id,
        "event_ts": ws.next_ts(),
    }
    if inviter:
        event["inviter"] = inviter
    return event


def emit(ws: Workspace, event: dict[str, Any]) -> None:
    """Queue an event to send after the current call is answered (workspace lock held)."""
    ws.outbox.append(event)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Subscription:
    """Where events go: a request URL (signed with ``signing_secret``) or Socket Mode."""

    request_url: str | None = None
    signing_secret: str = ""
    socket_mode: bool = False
    events: frozenset[str] | None = None  # None: every kind the emulator sends

    def wants(self, event: dict[str, Any]) -> bool:
        return self.events is None or event.get("type") in self.events


class EventDelivery:
    """Sends queued events on the server's loop, in order, for the current subscription."""

    def __init__(self, ws: Workspace, hub: SocketHub) -> None:
        self.ws = ws
        self.hub = hub
        self._lock = threading.Lock()
        self._subscription: Subscription | None = None
        # Bumped on every (un)subscribe: events queued for an earlier
        # subscription (a bot that has stopped) are dropped, never sent to a new one.
        self._generation = 0
        self._queue: asyncio.Queue[tuple[int, Subscription, dict[str, Any]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def subscribe(self, subscription: Subscription | None) -> None:
        with self._lock:
            self._subscription = subscription
            self._generation += 1

    def flush(self) -> None:
        """Hand what the last call emitted to the sender (call on the server's loop)."""
        with self.ws.lock:
            events, self.ws.outbox = self.ws.outbox, []
        with self._lock:
            subscription, generation = self._subscription, self._generation
        if subscription is None or not events:
            return
        if self._queue is None:
            self._queue = asyncio.Queue()
        for event in events:
            if subscription.wants(event):
                with self.ws.lock:
                    payload = event_callback(self.ws, event)
                self._queue.put_nowait((generation, subscription, payload))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._send_all())

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker
        if self._session is not None:
            await self._session.close()
        self._worker = self._session = None
        self._queue = None

    async def _send_all(self) -> None:
        assert self._queue is not None
        while not self._queue.empty():
            generation, subscription, payload = self._queue.get_nowait()
            with self._lock:
                current = generation == self._generation
            if current:
                answer = await self._send(subscription, payload)
                with self.ws.lock:
                    self.ws.deliveries.append({**answer, "event": payload["event"],
                                               "event_id": payload["event_id"]})  # fmt: skip

    async def _send(self, subscription: Subscription, payload: dict[str, Any]) -> dict[str, Any]:
        if subscription.socket_mode:
            try:
                await self.hub.push_async(envelope("events_api", payload), ACK_SECONDS)
            except TimeoutError:
                return {"status": None}
            return {"status": 200}
        assert subscription.request_url is not None
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(subscription.signing_secret, stamp, body),
        }
        if self._session is None:
            # No connection is kept open between deliveries: an app being shut
            # down between two events must not find an idle socket of ours.
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        try:
            async with self._session.post(
                subscription.request_url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=ACK_SECONDS),
            ) as response:
                return {"status": response.status}
        except (aiohttp.ClientError, TimeoutError):
            return {"status": None}  # the app is down or slow; Slack would log a failure
