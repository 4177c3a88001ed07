"""Inviting people into an incident channel, tolerating the ones already there."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.workflows.slack_errors import error_code, explain

# Not failures: the person (or the bot itself) is already where we want them.
ALREADY_THERE = frozenset({"already_in_channel", "cant_invite_self"})


def invite_each(client: WebClient, channel_id: str, user_ids: list[str]) -> list[str]:
    """Invite people one at a time, so one bad id cannot block the rest.

    Returns what went wrong, in words, one entry per person not invited.
    """
    problems = []
    for user_id in user_ids:
        try:
            client.conversations_invite(channel=channel_id, users=user_id)
        except SlackApiError as exc:
            if error_code(exc) not in ALREADY_THERE:
                problems.append(f"inviting <@{user_id}>: {explain(exc)}")
    return problems
