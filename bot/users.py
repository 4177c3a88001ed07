"""Slack user profiles, cached in the database so time zones cost one call per person."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.services import Services
from storage.models import SlackUser
from storage.types import utcnow

CACHE_FOR = timedelta(hours=12)


def user_tz(services: Services, client: WebClient, user_id: str) -> str:
    """The user's IANA time zone, or UTC when Slack cannot tell us."""
    profile = lookup(services, client, user_id)
    return profile.tz if profile else "UTC"


def lookup(services: Services, client: WebClient, user_id: str) -> SlackUser | None:
    with services.db.session() as session:
        cached = session.get(SlackUser, user_id)
        if cached is not None and utcnow() - cached.fetched_at < CACHE_FOR:
            return cached
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError:
        return cached
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
