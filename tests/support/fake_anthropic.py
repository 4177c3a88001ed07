"""A local stand-in for Anthropic's Messages API, served over real HTTP on loopback.

Point ``ANTHROPIC_BASE_URL`` at ``.url`` and the official SDK talks to it. It
records every request (headers and JSON body) and answers in one of three
ways: with text (``answer``), with an HTTP error (``fail``), or not at all
until released (``hang``), which is how a timeout is exercised for real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[dict[str, Any]], str]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def system(self) -> str:
        system = self.body.get("system", "")
        if isinstance(system, list):
            return "".join(part.get("text", "") for part in system)
        return str(system)

    @property
    def content(self) -> str:
        """The user turn's text, however the SDK shaped it."""
        parts = []
        for message in self.body.get("messages", []):
            value = message.get("content", "")
            if isinstance(value, str):
                parts.append(value)
            else:
                parts.extend(p.get("text", "") for p in value if isinstance(p, dict))
        return "\n".join(parts)


@dataclass
class FakeAnthropic:
    answer: Answer = field(default=lambda _body: '{"summary": "A fake summary."}')
    status: int = 200  # anything else answers that HTTP status with an API error body
    hang: bool = False
    requests: list[Recorded] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                body = json.loads(raw or b"{}")
                with fake._lock:
                    fake.requests.append(
                        Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                if fake.hang:
                    fake._release.wait(60)
                    return  # close without answering
                if self.path.rstrip("/") != "/v1/messages":
                    self._send(
                        404,
                        {
                            "type": "error",
                            "error": {"type": "not_found_error", "message": self.path},
                        },
                    )
                    return
                if fake.status != 200:
                    self._send(
                        fake.status,
                        {
                            "type": "error",
                            "error": {"type": "api_error", "message": "the fake was told to fail"},
                        },
                    )
                    return
                text = fake.answer(body)
                self._send(
                    200,
                    {
                        "id": f"msg_fake_{len(fake.requests)}",
                        "type": "message",
                        "role": "assistant",
                        "model": body.get("model", ""),
                        "content": [{"type": "text", "text": text}],
                        "stop_reason": "end_turn",
                        "stop_sequence": None,
                        "usage": {"input_tokens": len(raw) // 4, "output_tokens": len(text) // 4},
                    },
                )

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
