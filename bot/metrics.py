"""Prometheus metrics: what Slack sent and how fast it was answered, what was stored,
what Slack was asked, which jobs ran, and what could not be written.

Each process serves its own numbers at ``GET /metrics``; Prometheus scrapes
every replica and sums. Labels are kinds, outcomes, Web API methods and job
names, all small fixed sets: never a user, channel or incident id.

Counting sits on the ack path, so it is kept to a few dictionary lookups and
additions; ``SITREP_METRICS=off`` leaves the app and the Web API client
unwrapped (the capture benchmark compares both).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.http_retry.handler import RetryHandler
from sqlalchemy import func, select

from integrations.metrics import INTEGRATION_CALLS
from storage.db import Database
from storage.models import DeadLetter

log = logging.getLogger(__name__)
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]

__all__ = ["INTEGRATION_CALLS", "call_counters", "configure", "instrument_app", "mount", "render"]

_enabled = True


def configure(enabled: bool) -> None:
    """Set once at start-up from ``SITREP_METRICS``."""
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    return _enabled


ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)

REQUESTS = Counter(
    "sitrep_slack_requests",
    "Requests from Slack (HTTP or Socket Mode) by kind and outcome.",
    ["kind", "outcome"],
)
ACK_SECONDS = Histogram(
    "sitrep_slack_ack_seconds",
    "Time from receiving a request from Slack to acknowledging it.",
    ["kind"],
    buckets=ACK_BUCKETS,
)
EVENTS_STORED = Counter("sitrep_events_stored", "Slack events written to the timeline.")
API_CALLS = Counter(
    "sitrep_slack_api_calls",
    "Web API answers by method and outcome: ok, error (ok: false), rate_limited (HTTP 429), "
    "server_error, http_error, unreachable. Each retried attempt counts.",
    ["method", "outcome"],
)
JOBS = Counter("sitrep_jobs", "Scheduled job runs by name and outcome.", ["job", "outcome"])
JOB_SECONDS = Histogram(
    "sitrep_job_seconds",
    "How long scheduled jobs ran.",
    ["job"],
    buckets=(0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0),
)
LEADER = Gauge("sitrep_scheduler_leader", "1 while this process runs scheduled jobs.")
DEAD_LETTERS_WRITTEN = Counter(
    "sitrep_dead_letters_written",
    "Events this process kept as dead letters, by reason (failed, queue_full, shutdown).",
    ["reason"],
)
UNSTORABLE = Counter(
    "sitrep_capture_unstorable",
    "Events that could be neither written nor kept as dead letters (logged whole at ERROR).",
)


class _Watched(Collector):
    """Values read when Prometheus scrapes, from whatever this process registered."""

    def __init__(self) -> None:
        # Weak: a capture or database that is gone stops being reported.
        self.captures: weakref.WeakSet[Any] = weakref.WeakSet()
        # The serving database: one per process (the latest, where tests make many).
        self.database: weakref.ref[Database] | None = None

    def collect(self) -> Iterable[GaugeMetricFamily]:
        captures = list(self.captures)
        yield GaugeMetricFamily(
            "sitrep_capture_queue_depth",
            "Captured events waiting to be written.",
            value=sum(c.writer.queue.qsize() for c in captures),
        )
        yield GaugeMetricFamily(
            "sitrep_capture_held",
            "Events held while their channel is checked against the database.",
            value=sum(c.channels.held() for c in captures),
        )
        letters = GaugeMetricFamily(
            "sitrep_dead_letters",
            "Dead letters in the database now (all processes); replay them with "
            "`sitrep dead-letters replay`.",
        )
        database = self.database() if self.database is not None else None
        total = 0.0
        if database is not None:
            try:
                total = float(_count_dead_letters(database))
            except Exception as exc:  # a scrape must answer even when the database does not
                log.warning("could not count dead letters: %s", exc)
                total = float("nan")
        letters.add_metric([], total)
        yield letters

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []


def _count_dead_letters(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(DeadLetter)) or 0


WATCHED = _Watched()
REGISTRY.register(WATCHED)


def watch_capture(capture: Any, database: Database) -> None:
    """Report a capture's queue and held events, and its database's dead letters."""
    WATCHED.captures.add(capture)
    WATCHED.database = weakref.ref(database)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def mount(inner: WSGIApp) -> WSGIApp:
    """``GET /metrics`` in front of the WSGI app (404 when metrics are off)."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != "/metrics":
            return inner(environ, start_response)
        if not _enabled:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"metrics are off (SITREP_METRICS=off)"]
        body, content_type = render()
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]

    return application


# ----- requests from Slack ---------------------------------------------------
def request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind in ("event_callback", "url_verification", "app_rate_limited"):
        return "event"
    if kind in ("block_actions", "interactive_message"):
        return "action"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind in ("shortcut", "message_action"):
        return "shortcut"
    if kind in ("block_suggestion", "dialog_suggestion"):
        return "options"
    return "other"


def _outcome(status: int) -> str:
    if status < 300:
        return "ok"
    return {401: "unauthorized", 404: "unhandled"}.get(status, "error")


def instrument_app(app: App) -> App:
    """Count and time every request Bolt dispatches, over HTTP and Socket Mode alike.

    Both adapters hand each request to ``App.dispatch`` and return when it has
    been acknowledged, so wrapping that one method measures the ack.
    """
    dispatch = app.dispatch

    def timed_dispatch(req: BoltRequest) -> BoltResponse:
        began = time.perf_counter()
        kind = "other"
        try:
            body = req.body
            kind = request_kind(body) if isinstance(body, dict) else "other"
            response = dispatch(req)
        except Exception:
            REQUESTS.labels(kind, "error").inc()
            raise
        ACK_SECONDS.labels(kind).observe(time.perf_counter() - began)
        REQUESTS.labels(kind, _outcome(response.status)).inc()
        return response

    app.dispatch = timed_dispatch  # type: ignore[method-assign]
    return app


# ----- calls to Slack --------------------------------------------------------
def _method_of(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0] or "unknown"


class CountCalls(RetryHandler):
    """Counts every answer to a Web API call; never retries anything itself.

    slack_sdk asks each retry handler about every answer, 200s included, and
    Bolt copies the handler list into the client it makes for each request,
    so the first handler in the list sees every call the bot makes: retried
    429s and 5xx as well as the final answer.
    """

    def can_retry(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        method = _method_of(getattr(request, "url", "") or "")
        if response is None:
            outcome = "unreachable"
        elif response.status_code == 429:
            outcome = "rate_limited"
        elif response.status_code >= 500:
            outcome = "server_error"
        elif response.status_code >= 400:
            outcome = "http_error"
        else:
            body = response.body if isinstance(response.body, dict) else {}
            outcome = "ok" if body.get("ok", True) else "error"
        API_CALLS.labels(method, outcome).inc()
        return False


def call_counters() -> list[RetryHandler]:
    """Handlers to put first in a WebClient's list (none when metrics are off)."""
    return [CountCalls()] if _enabled else []


# ----- jobs ------------------------------------------------------------------
def record_job(name: str, outcome: str, seconds: float) -> None:
    JOBS.labels(name, outcome).inc()
    JOB_SECONDS.labels(name).observe(seconds)
