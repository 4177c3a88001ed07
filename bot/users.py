"""Slack user profiles, cached in the database so time zones cost one call per person."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.services import Services
from core.errors import SitrepError
from storage.models import SlackUser
from storage.types import utcnow

CACHE_FOR = timedelta(hours=12)


class SlackUnreachable(SitrepError):
    """Slack did not answer about a person we know nothing of yet."""


def user_tz(services: Services, client: WebClient, user_id: str) -> str:
    """The user's IANA time zone, or UTC when Slack cannot tell us."""
    try:
        profile = lookup(services, client, user_id)
    except SlackUnreachable:
        return "UTC"
    return profile.tz if profile else "UTC"


def lookup(services: Services, client: WebClient, user_id: str) -> SlackUser | None:
    """The person's profile, from the cache when fresh; None when Slack does not know them.

    When Slack does not answer (slow, or unreachable) an old cached profile is
    better than none; with none, ``SlackUnreachable`` says so, rather than
    calling the person unknown.
    """
    with services.db.session() as session:
        cached = session.get(SlackUser, user_id)
        if cached is not None and utcnow() - cached.fetched_at < CACHE_FOR:
            return cached
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError:
        return cached
    except OSError as exc:  # a timeout or a refused connection
        if cached is not None:
            return cached
        raise SlackUnreachable(
            "Slack did not answer in time while Sitrep checked that person; "
            "try again in a moment."
        ) from exc
    try:
        return _store(services, user_id, user)
    except IntegrityError:  # another thread cached the same person a moment ago
        return _store(services, user_id, user)


def _store(services: Services, user_id: str, user: dict) -> SlackUser:
    with services.db.session() as session:
        row = session.get(SlackUser, user_id) or SlackUser(user_id=user_id)
        row.team_id = user.get("team_id", "")
        row.name = user.get("name", "")
        row.real_name = user.get("real_name") or user.get("profile", {}).get("real_name", "")
        row.tz = user.get("tz") or "UTC"
        row.tz_offset = int(user.get("tz_offset") or 0)
        row.is_bot = bool(user.get("is_bot"))
        row.fetched_at = utcnow()
        session.add(row)
        return row
