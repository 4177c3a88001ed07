"""The Web API client the bot uses everywhere, with Slack's retry rules built in.

A 429 means Slack did nothing, so every method waits out ``Retry-After`` and
tries again. A 5xx or a dropped connection leaves it unknown whether Slack
did the work; only calls that are safe to send twice (reads, and writes whose
repeat changes nothing) are retried then. A repeated ``chat.postMessage``
would post twice and a repeated ``conversations.create`` would fail with
``name_taken`` after making the channel, so those failures reach the caller,
which knows how to check what happened (see workflows/channel_creation.py).

Retries happen inside the call (the handlers sleep there), so whoever is
waiting on Slack can ask to hear about each one: ``observe_retries`` names a
callback for the calls made in this thread (a context variable), and every
retry handler reports to it before it sleeps. That is how a declarer learns
within seconds that Slack is rate-limiting channel creation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot import metrics
from config import EnvSettings

log = logging.getLogger(__name__)

RATE_LIMITED, SERVER_ERROR, CONNECTION_LOST = "ratelimited", "server_error", "connection"

# The last word of a method name that only reads.
READ_VERBS = frozenset(
    {"info", "list", "history", "replies", "members", "test", "get", "getPermalink",
     "lookupByEmail", "conversations", "getPresence"}
)  # fmt: skip
# Writes whose repeat leaves Slack as the first call did (at most an
# "already ..." error the callers treat as success).
IDEMPOTENT_WRITES = frozenset(
    {
        "conversations.setTopic",
        "conversations.setPurpose",
        "conversations.invite",
        "conversations.join",
        "conversations.open",
        "pins.add",
        "chat.update",
        "views.update",
        "views.publish",
        "files.getUploadURLExternal",  # an upload slot nobody uses expires
        "apps.connections.open",  # a second socket URL; the first is never used
    }
)


def method_of(request: HttpRequest) -> str:
    """``chat.postMessage`` from ``https://slack.com/api/chat.postMessage?...``."""
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def safe_to_repeat(method: str) -> bool:
    """Whether sending ``method`` twice leaves Slack as sending it once would."""
    return method in IDEMPOTENT_WRITES or method.rsplit(".", 1)[-1] in READ_VERBS


@dataclass(frozen=True)
class RetryNotice:
    """Slack refused or failed a call that is about to be sent again."""

    method: str
    reason: str  # RATE_LIMITED, SERVER_ERROR or CONNECTION_LOST
    attempt: int  # 1 for the first retry
    wait: float | None = None  # seconds Slack asked to wait, when it said


RetryObserver = Callable[[RetryNotice], None]
_observer: ContextVar[RetryObserver | None] = ContextVar("slack_retry_observer", default=None)


@contextmanager
def observe_retries(observer: RetryObserver) -> Iterator[None]:
    """Report every retry of a Slack call made in this thread to ``observer``."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def report_retry(notice: RetryNotice) -> None:
    """Tell the current observer; its own Slack calls are not observed (no loops)."""
    observer = _observer.get()
    if observer is None:
        return
    token = _observer.set(None)
    try:
        observer(notice)
    except Exception:  # a failing report must never break the call being retried
        log.exception("reporting a Slack retry failed")
    finally:
        _observer.reset(token)


def _retry_after(response: HttpResponse | None) -> float | None:
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) else values
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


class _Reporting:
    """Reports a retry to the observer before the handler waits and sends again."""

    reason = ""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        notice = RetryNotice(
            method_of(request), self.reason, state.current_attempt + 1, _retry_after(response)
        )
        report_retry(notice)
        super().prepare_for_next_attempt(  # type: ignore[misc]
            state=state, request=request, response=response, error=error
        )


class ReportingRateLimitErrorRetryHandler(_Reporting, RateLimitErrorRetryHandler):
    """Waits out ``Retry-After`` for any method: a 429 means Slack did nothing."""

    reason = RATE_LIMITED


class _RepeatableOnly(RetryHandler):
    """Lets a retry through only for a method that is safe to send twice."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return safe_to_repeat(method_of(request)) and super()._can_retry(
            state=state, request=request, response=response, error=error
        )


class RepeatableServerErrorRetryHandler(_RepeatableOnly, _Reporting, ServerErrorRetryHandler):
    """Retries a 500/503 only for a method that is safe to send twice."""

    reason = SERVER_ERROR


class RepeatableConnectionErrorRetryHandler(
    _RepeatableOnly, _Reporting, ConnectionErrorRetryHandler
):
    """Retries a dropped connection only for a method that is safe to send twice."""

    reason = CONNECTION_LOST


def make_client(env: EnvSettings, token: str | None = None, timeout: int = 30) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that honours 429 ``Retry-After`` for every call and
    retries 5xx and dropped connections for calls that are safe to repeat."""
    return WebClient(
        token=token if token is not None else env.slack_bot_token,
        base_url=env.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            *metrics.call_counters(),  # first: it counts every answer, then lets the rest decide
            RepeatableConnectionErrorRetryHandler(max_retry_count=2),
            ReportingRateLimitErrorRetryHandler(max_retry_count=8),
            RepeatableServerErrorRetryHandler(max_retry_count=2),
        ],
    )


# Slack waits 3 seconds for an acknowledgement; a call made before it gets half that.
QUICK_TIMEOUT_SECONDS = 1.5


def make_quick_client(client: WebClient) -> WebClient:
    """``client``'s twin for calls made before ``ack()``: one try, and a short wait.

    A person checked while a form is submitted must not cost the acknowledgement;
    when Slack is slow, failing fast lets the form say "try again" in time.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=QUICK_TIMEOUT_SECONDS,  # type: ignore[arg-type]
        retry_handlers=[],
    )
