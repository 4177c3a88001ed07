"""What a subcommand handler gets: the parsed request and ways to answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows.slack_errors import explain
from core import incidents
from core.errors import InvalidInput
from storage.models import Incident


@dataclass
class CommandContext:
    services: Services
    client: WebClient
    respond: Respond
    command: str  # "/incident"
    subcommand: str
    args: str  # text after the subcommand
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    body: dict[str, Any]

    def reply(self, template: str, **context: Any) -> None:
        """An ephemeral answer to the caller only, through the response URL."""
        message = self.services.templates.message(template, **context)
        self.respond(response_type="ephemeral", replace_original=False, **message)

    def error(self, message: str) -> None:
        self.reply("messages/error.json.j2", message=message)

    def open_view(self, view: dict[str, Any], what: str) -> None:
        """Open a modal for the caller; when Slack will not, say so, naming ``what`` it was."""
        try:
            self.client.views_open(trigger_id=self.trigger_id, view=view)
        except SlackApiError as exc:
            raise InvalidInput(f"Slack did not open {what}: {explain(exc)}.") from None

    def incident_here(self, session: Session) -> Incident:
        """The incident whose channel this command was run in, or a clear error."""
        incident = incidents.get_by_channel(session, self.channel_id)
        if incident is None:
            raise InvalidInput(
                f"`{self.command} {self.subcommand}` works inside an incident channel. "
                f"Run it there, or see `{self.command} list` for open incidents."
            )
        return incident
