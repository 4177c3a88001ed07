"""HTTP mode: ``POST /slack/events`` for everything Slack sends, ``GET /healthz`` for probes.

Served by waitress, a production WSGI server, rather than Bolt's development server.
Nothing reaches Bolt until it has passed the checks here, because Bolt reads,
decodes and parses a body before it looks at the signature: a body too large
for Slack is refused from its ``Content-Length`` alone, a body without one is
read only up to the limit, and then the signature and timestamp are checked on
the raw bytes (``bot.request_checks``).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from waitress.server import create_server

from bot import metrics
from bot.request_checks import RequestChecks, Verdict
from bot.services import Services
from storage.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]
Application = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_app(app: App, services: Services) -> Application:
    db, limits = services.db, services.settings.config.server
    checks = RequestChecks(services.settings.env.slack_signing_secret)
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _health(db, start_response)
        if path != EVENTS_PATH:
            return _plain(start_response, "404 Not Found", "Not Found")
        if environ.get("REQUEST_METHOD") != "POST":
            allow = [("Allow", "POST")]
            return _plain(start_response, "405 Method Not Allowed", "POST only", allow)
        body = _read_body(environ, limits.max_body_bytes)
        if body is None:
            return _plain(start_response, "413 Content Too Large", "Request body too large")
        verdict = checks.judge(environ, body)
        if verdict is Verdict.FORGED:
            return _plain(start_response, "401 Unauthorized", "Invalid request")
        if verdict is Verdict.SSL_CHECK:
            return _plain(start_response, "200 OK", "")
        # Bolt reads exactly CONTENT_LENGTH bytes; hand it what was read, from memory.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return slack(environ, start_response)

    return application


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body, or None when it is over ``limit`` (refused unread when its length says so)."""
    declared = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            return None
        if length > limit:
            return None
        return stream.read(length) if stream is not None and length > 0 else b""
    if stream is None:
        return b""
    body = stream.read(limit + 1)
    return None if len(body) > limit else body


def _plain(
    start_response: StartResponse,
    status: str,
    message: str,
    headers: list[tuple[str, str]] | None = None,
) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), *(headers or [])])
    return [message.encode()]


def _health(db: Database, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", {"ok": True, "database": "ok"}
    except Exception as exc:  # a probe must answer, whatever broke
        log.warning("health check: database unavailable: %s", exc)
        status, body = "503 Service Unavailable", {"ok": False, "database": "unavailable"}
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def make_server(app: App, services: Services, host: str, port: int, threads: int = 16) -> Any:
    """A waitress server bound to ``host:port``; port 0 picks a free one (``.effective_port``).

    waitress refuses an oversized ``Content-Length`` with 413 as soon as the
    headers are in, before any of the body is read. Idle connections (a client
    that sends half its headers and stops) are dropped after the channel
    timeout, and the connection limit is set high enough that a handful of
    them cannot lock out Slack or the health probe meanwhile.
    """
    limits = services.settings.config.server
    timeout = max(1, round(limits.channel_timeout.total_seconds()))
    return create_server(
        metrics.mount(wsgi_app(app, services)),
        host=host,
        port=port,
        threads=threads,
        ident="sitrep",
        clear_untrusted_proxy_headers=True,
        # waitress refuses a body whose length is at or above this number.
        max_request_body_size=limits.max_body_bytes + 1,
        max_request_header_size=64 * 1024,
        connection_limit=limits.connection_limit,
        channel_timeout=timeout,
        cleanup_interval=max(1, min(30, timeout // 3)),
    )
