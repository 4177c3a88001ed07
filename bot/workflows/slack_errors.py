"""Slack error codes explained in words a declarer can act on."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

EXPLANATIONS = {
    "restricted_action": "your workspace settings do not let apps create or change channels; "
    "ask a Slack admin to allow it",
    "missing_scope": "the Sitrep app is missing a permission; "
    "reinstall it from the manifest that `sitrep manifest` prints",
    "not_in_channel": "the bot is not a member of that channel; invite it with `/invite @Sitrep`",
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "is_archived": "the channel is archived",
    "user_not_found": "that user does not exist in this workspace",
    "ratelimited": "Slack is rate-limiting the bot; try again in a minute",
    "invalid_auth": "the bot token is not valid; check SLACK_BOT_TOKEN",
    "not_authed": "the bot token is missing; check SLACK_BOT_TOKEN",
    "account_inactive": "the bot's token was revoked; reinstall the app",
}


def error_code(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    return type(exc).__name__


def explain(exc: Exception) -> str:
    code = error_code(exc)
    return f"{EXPLANATIONS.get(code, 'Slack returned an error')} (`{code}`)"
