"""The Web API client the bot uses everywhere, with Slack's retry rules built in."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from config import EnvSettings


def make_client(env: EnvSettings, token: str | None = None, timeout: int = 30) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that honours 429 ``Retry-After`` and retries 5xx."""
    return WebClient(
        token=token if token is not None else env.slack_bot_token,
        base_url=env.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=8),
            ServerErrorRetryHandler(max_retry_count=2),
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
