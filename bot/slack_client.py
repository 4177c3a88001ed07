"""The Web API client the bot uses everywhere, with Slack's retry rules built in.

A 429 means Slack did nothing, so every method waits out ``Retry-After`` and
tries again. A 5xx or a dropped connection leaves it unknown whether Slack
did the work; only calls that are safe to send twice (reads, and writes whose
repeat changes nothing) are retried then. A repeated ``chat.postMessage``
would post twice and a repeated ``conversations.create`` would fail with
``name_taken`` after making the channel, so those failures reach the caller,
which knows how to check what happened (see workflows/declare.py).
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from config import EnvSettings

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


class RepeatableServerErrorRetryHandler(ServerErrorRetryHandler):
    """Retries a 500/503 only for a method that is safe to send twice."""

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


class RepeatableConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """Retries a dropped connection only for a method that is safe to send twice."""

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


def make_client(env: EnvSettings, token: str | None = None, timeout: int = 30) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that honours 429 ``Retry-After`` for every call and
    retries 5xx and dropped connections for calls that are safe to repeat."""
    return WebClient(
        token=token if token is not None else env.slack_bot_token,
        base_url=env.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            RepeatableConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=8),
            RepeatableServerErrorRetryHandler(max_retry_count=2),
        ],
    )
