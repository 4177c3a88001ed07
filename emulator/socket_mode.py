"""Socket Mode: the WebSocket end Slack's apps.connections.open URL points at.

Slack pushes envelopes and waits for the app to ack each ``envelope_id``;
tests do the pushing through ``SlackEmulator.socket_send`` and get the ack's
payload back (what a slash command or view_submission answered).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from emulator.state import Workspace

# Slack lets these envelope kinds carry a response payload in the ack.
_ACCEPTS_PAYLOAD_INTERACTIVE = {"view_submission", "block_suggestion"}


def envelope(
    envelope_type: str, payload: dict[str, Any], accepts_response_payload: bool | None = None
) -> dict[str, Any]:
    """An envelope as Slack sends it, with a fresh envelope_id."""
    if accepts_response_payload is None:
        accepts_response_payload = envelope_type == "slash_commands" or (
            envelope_type == "interactive" and payload.get("type") in _ACCEPTS_PAYLOAD_INTERACTIVE
        )
    body: dict[str, Any] = {
        "envelope_id": str(uuid.uuid4()),
        "type": envelope_type,
        "payload": payload,
        "accepts_response_payload": accepts_response_payload,
    }
    if envelope_type == "events_api":
        body.update({"retry_attempt": 0, "retry_reason": ""})
    return body


class SocketHub:
    """Live connections, issued tickets and envelopes waiting for their ack."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._connections: list[web.WebSocketResponse] = []
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def new_ticket(self) -> str:
        """A ticket for one apps.connections.open URL."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return ticket

    def _live(self) -> list[web.WebSocketResponse]:
        with self._lock:
            return [c for c in self._connections if not c.closed]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Accept a client holding an issued ticket, greet it with hello, collect acks."""
        with self._lock:
            known = request.query.get("ticket", "") in self._tickets
        if not known:
            return web.Response(status=401, text="invalid ticket")
        conn = web.WebSocketResponse(autoping=True)
        await conn.prepare(request)
        with self._lock:
            self._connections.append(conn)
            count = len(self._connections)
        await conn.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": {
                        "host": "emulator",
                        "build_number": 1,
                        "approximate_connection_time": 3600,
                    },
                    "connection_info": {"app_id": self.ws.app_id},
                }
            )
        )
        try:
            async for msg in conn:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(msg.data)
        finally:
            with self._lock:
                if conn in self._connections:
                    self._connections.remove(conn)
        return conn

    def _on_text(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except ValueError:
            return
        if not isinstance(ack, dict) or "envelope_id" not in ack:
            return
        with self.ws.lock:
            self.ws.socket_acks.append(ack)
        future = self._pending.get(str(ack["envelope_id"]))
        if future is not None and not future.done():
            future.set_result(ack)

    async def push_async(self, env: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send an envelope to the newest client and wait for its ack (on the server loop)."""
        deadline = time.monotonic() + timeout
        while not self._live():
            if time.monotonic() >= deadline:
                raise TimeoutError("no Socket Mode client is connected")
            await asyncio.sleep(0.02)
        conn = self._live()[-1]
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[env["envelope_id"]] = future
        try:
            await conn.send_str(json.dumps(env))
            return await asyncio.wait_for(future, max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            raise TimeoutError(
                f"no ack for {env['type']} envelope {env['envelope_id']} within {timeout}s"
            ) from None
        finally:
            self._pending.pop(env["envelope_id"], None)

    def push(self, env: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Thread-side wrapper of ``push_async``: blocks until the ack (or TimeoutError)."""
        if self.loop is None:
            raise RuntimeError("the emulator is not running")
        return asyncio.run_coroutine_threadsafe(self.push_async(env, timeout), self.loop).result(
            timeout + 5
        )

    def connected(self, timeout: float) -> bool:
        """Wait until at least one client is connected."""
        deadline = time.monotonic() + timeout
        while True:
            if self._live():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    async def disconnect_all(self, reason: str = "refresh_requested") -> None:
        """Tell clients to reconnect (Slack's ``disconnect`` message), then close."""
        for conn in self._live():
            try:
                await conn.send_str(json.dumps({"type": "disconnect", "reason": reason}))
            finally:
                await conn.close()
