"""Making an incident's channel once, even when Slack's answer to the create is lost.

``conversations.create`` is not safe to send twice, so the client does not
retry it blindly (see bot/slack_client.py). When Slack fails in a way that
leaves the outcome unknown (a 5xx, a dropped connection, a timeout), this
sends the create again itself; if Slack had made the channel after all, the
second create answers ``name_taken``. Before moving on to another name, the
channel of that name is looked up: one this bot made for this incident (made
since the declare began, by the bot user, not used by another incident) is
the incident's own channel, and is used instead of a second one.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from sqlalchemy import select

from bot.services import Services
from bot.slack_client import CONNECTION_LOST, SERVER_ERROR, RetryNotice, report_retry
from bot.workflows.slack_errors import error_code
from core.channel_names import channel_name, variants
from storage.models import Incident

log = logging.getLogger(__name__)

CREATE_ATTEMPTS = 3
# Slack's "created" is whole seconds on Slack's clock; allow for the two clocks.
CLOCK_SKEW = timedelta(seconds=60)
_backoff = BackoffRetryIntervalCalculator()


class NameTaken(Exception):
    """Another channel has the name; the caller tries the next variant."""

    def __init__(self, error: SlackApiError) -> None:
        super().__init__(str(error))
        self.error = error


def outcome_unknown(exc: BaseException) -> bool:
    """Failures after which Slack may or may not have done the work."""
    if isinstance(exc, SlackApiError):
        return exc.response.status_code in (500, 502, 503, 504)
    return isinstance(exc, OSError)  # connection reset or refused, timeouts


def create(services: Services, client: WebClient, incident: Incident) -> dict[str, Any]:
    """The incident's new channel (its Slack object); raises what Slack last said."""
    base = channel_name(
        services.settings.config.channels.name_pattern,
        number=incident.number,
        title=incident.title,
        severity=incident.severity,
        today=incident.declared_at.date(),
    )
    last_error: SlackApiError | None = None
    for name in variants(base):
        try:
            return _create_named(services, client, incident, name)
        except NameTaken as taken:
            last_error = taken.error
    assert last_error is not None
    raise last_error


def _create_named(
    services: Services, client: WebClient, incident: Incident, name: str
) -> dict[str, Any]:
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return client.conversations_create(name=name, is_private=incident.is_private)[
                "channel"
            ]
        except (SlackApiError, OSError) as exc:
            if isinstance(exc, SlackApiError) and error_code(exc) == "name_taken":
                found = _made_for(services, client, incident, name)
                if found is not None:
                    log.info("INC-%s: #%s was made by a create whose answer was lost",
                             incident.number, name)  # fmt: skip
                    return found
                raise NameTaken(exc) from None
            if not outcome_unknown(exc) or attempt == CREATE_ATTEMPTS - 1:
                raise
            log.warning("creating #%s: %s; trying again", name, error_code(exc))
            reason = SERVER_ERROR if isinstance(exc, SlackApiError) else CONNECTION_LOST
            report_retry(RetryNotice("conversations.create", reason, attempt + 1))
        _backoff_sleep(attempt)
    raise AssertionError("unreachable")


def _backoff_sleep(attempt: int) -> None:
    time.sleep(_backoff.calculate_sleep_duration(attempt))


def _made_for(
    services: Services, client: WebClient, incident: Incident, name: str
) -> dict[str, Any] | None:
    """The channel called ``name`` if this bot made it for this incident, else None."""
    bot_user = client.auth_test().get("user_id")
    since = int((incident.declared_at - CLOCK_SKEW).timestamp())
    cursor = None
    while True:
        page = client.users_conversations(
            types="public_channel,private_channel", exclude_archived=True, limit=200,
            cursor=cursor,
        )  # fmt: skip
        for channel in page.get("channels") or []:
            if channel.get("name") != name:
                continue
            if channel.get("creator") != bot_user or int(channel.get("created") or 0) < since:
                return None
            with services.db.session() as session:
                used = session.scalar(
                    select(Incident.id).where(Incident.channel_id == channel["id"])
                )
            return channel if used is None else None
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
