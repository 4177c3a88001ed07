"""The sandbox's tests' world: an emulator with a ``Sandbox`` attached, two people, and a
stand-in for the app's request URL that checks Slack's signature, records each request
and answers what the test tells it to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import requests
from slack_sdk import WebClient

from emulator import SlackEmulator
from emulator.sandbox import Sandbox

Answer = tuple[int, dict[str, Any] | None]


@dataclass
class Received:
    kind: str  # "command", "event" or "interactive"
    body: dict[str, Any]
    signed: bool


class AppStub:
    """Serves ``/slack/events`` and ``/healthz`` on loopback."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.answer: Callable[[Received], Answer] = lambda request: (200, None)
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/healthz" else 404)
                self.end_headers()

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = stub._parse(raw, self.headers)
                with stub._lock:
                    stub.received.append(request)
                status, body = stub.answer(request)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def _parse(self, raw: bytes, headers: Any) -> Received:
        stamp = headers.get("X-Slack-Request-Timestamp", "")
        expected = (
            "v0="
            + hmac.new(
                self.secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256
            ).hexdigest()
        )
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        signed = fresh and hmac.compare_digest(expected, headers.get("X-Slack-Signature", ""))
        if headers.get("Content-Type", "").startswith("application/json"):
            return Received("event", json.loads(raw), signed)
        form = dict(parse_qsl(raw.decode()))
        if "payload" in form:
            return Received("interactive", json.loads(form["payload"]), signed)
        return Received("command", form, signed)

    def of(self, kind: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == kind]

    def events(self, event_type: str) -> list[dict[str, Any]]:
        return [r.body["event"] for r in self.of("event") if r.body["event"]["type"] == event_type]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


SECRET = "sandbox-test-secret"
BOT_TOKEN = "xoxb-sandbox-tests"


@dataclass
class World:
    """The emulator, the app stand-in, a bot-token client, and two channels (#ops without alice)."""

    emu: SlackEmulator
    app: AppStub
    client: WebClient
    general: str
    ops: str

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(f"{self.emu.base_url}/sandbox/api/{path}", json=body, timeout=10)
        return answer.json()

    def state(self, user: str, channel: str = "") -> dict[str, Any]:
        params = {"user": user, "channel": channel}
        answer = requests.get(f"{self.emu.base_url}/sandbox/api/state", params=params, timeout=10)
        return answer.json()


@contextmanager
def sandbox_world() -> Iterator[World]:
    app = AppStub(SECRET)
    emu = SlackEmulator(bot_token=BOT_TOKEN, app_token="xapp-sandbox-tests")
    Sandbox(emu, app.url, SECRET, shortcuts={"declare_from_message": "Declare incident"})
    emu.add_user("U1", "alice", "Alice A", tz="Europe/London", email="alice@example.com")
    emu.add_user("U2", "bob", "Bob B", tz="America/New_York", email="bob@example.com")
    general = emu.add_channel("general", members=["U1", "U2"])
    ops = emu.add_channel("ops", members=["U2"])
    emu.start()
    try:
        yield World(emu, app, WebClient(base_url=emu.api_url, token=BOT_TOKEN), general, ops)
        errors = emu.internal_errors
    finally:
        emu.stop()
        app.close()
    assert errors == [], errors
