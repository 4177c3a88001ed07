"""HTTP mode: ``POST /slack/events`` for everything Slack sends, ``GET /healthz`` for probes.

Served by waitress, a production WSGI server, rather than Bolt's development server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from waitress.server import create_server

from bot import metrics
from storage.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]


def wsgi_app(app: App, db: Database) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _health(db, start_response)
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST")])
            return [b"POST only"]
        return slack(environ, start_response)

    return application


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


def make_server(app: App, db: Database, host: str, port: int, threads: int = 16) -> Any:
    """A waitress server bound to ``host:port``; port 0 picks a free one (``.effective_port``)."""
    return create_server(
        metrics.mount(wsgi_app(app, db)),
        host=host,
        port=port,
        threads=threads,
        ident="sitrep",
        clear_untrusted_proxy_headers=True,
    )
