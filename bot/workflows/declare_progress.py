"""Keeping the declarer told: at once, again when Slack is slow, and at the end.

A declare can wait a long time on Slack (a rate-limited ``conversations.create``
is retried for as long as Slack says). The declarer hears "Declaring INC-n…"
as soon as the number is taken, hears what is happening as soon as a step is
refused or fails and is being retried (the client reports each retry before
it waits; see bot/slack_client.py), and hears the outcome last.

Where the answer goes depends on how the declare came in:
- a slash command has a response_url; one ephemeral answer is posted there and
  replaced at each stage (a response_url takes five posts: start, at most two
  updates and the outcome fit);
- a modal (opened by the command or the message shortcut) has none; answers go
  as ephemeral messages in the channel it was opened from, which Slack cannot
  edit, so each stage is a new one; where the bot cannot post, they go as one
  DM that is edited in place.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.slack_client import RetryNotice
from bot.workflows.dm import send_dm
from bot.workflows.slack_errors import error_code
from core import setup_claims

log = logging.getLogger(__name__)

MAX_UPDATES = 2  # between the first answer and the outcome


class Reply(Protocol):
    def send(self, message: dict[str, Any]) -> None: ...


class ResponseUrlReply:
    """One ephemeral answer through a slash command's response_url, replaced at each stage."""

    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.sent = False

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.respond(response_type="ephemeral", replace_original=self.sent, **message)
        except OSError as exc:  # the declare goes on; only this answer is lost
            log.warning("could not answer the declarer through the response_url: %s", exc)
        self.sent = True


class PrivateReply:
    """Ephemeral notes in the channel the declare came from, else one DM kept up to date."""

    def __init__(self, client: WebClient, user_id: str, channel_id: str) -> None:
        self.client = client
        self.user_id = user_id
        self.channel_id = channel_id
        self.dm: tuple[str, str] | None = None

    def send(self, message: dict[str, Any]) -> None:
        try:
            self._send(message)
        except (SlackApiError, OSError) as exc:
            log.warning("could not tell the declarer: %s", error_code(exc))

    def _send(self, message: dict[str, Any]) -> None:
        if self.dm is not None:
            self.client.chat_update(channel=self.dm[0], ts=self.dm[1], **message)
            return
        if self.channel_id:
            try:
                self.client.chat_postEphemeral(
                    channel=self.channel_id, user=self.user_id, **message
                )
                return
            except SlackApiError:
                self.channel_id = ""  # the bot cannot post there; a DM always works
        posted = send_dm(self.client, self.user_id, message)
        self.dm = (posted["channel"], posted["ts"])


class Progress:
    """Turns Slack retries during one declare into at most a few words for the declarer.

    Also renews the setup claim on each retry: a declare waiting on Slack is
    alive, and must not look abandoned to a clean-up in another process.
    """

    def __init__(
        self, services: Services, reply: Reply, number: int, incident_id: int, owner: str
    ) -> None:
        self.services = services
        self.reply = reply
        self.number = number
        self.incident_id = incident_id
        self.owner = owner
        self.step = "channel"
        self.told: list[str] = []

    def started(self) -> None:
        self._send(notice=None)

    def at(self, step: str) -> None:
        self.step = step

    def saw(self, notice: RetryNotice) -> None:
        setup_claims.claim(self.services.db, self.incident_id, self.owner)
        if self.step in self.told or len(self.told) >= MAX_UPDATES:
            return
        self.told.append(self.step)
        self._send(notice=notice)

    def _send(self, notice: RetryNotice | None) -> None:
        message = self.services.templates.message(
            "messages/declaring.json.j2", number=self.number, step=self.step, notice=notice
        )
        self.reply.send(message)
