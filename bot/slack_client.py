"""The Web API client the bot uses everywhere, with Slack's retry rules built in."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import metrics
from config import EnvSettings


def make_client(env: EnvSettings, token: str | None = None, timeout: int = 30) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that honours 429 ``Retry-After`` and retries 5xx."""
    return WebClient(
        token=token if token is not None else env.slack_bot_token,
        base_url=env.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            *metrics.call_counters(),  # first: it counts every answer, then lets the rest decide
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=8),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
