"""A stand-in for an app's request URL in the sandbox's tests: it checks Slack's signature,
records each request and answers what the test tells it to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

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
