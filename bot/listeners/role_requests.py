"""The buttons on a request to take a role over: hand it over, or keep it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.services import Services
from bot.surface import Surface
from bot.workflows import role_handoff
from core.errors import SitrepError

log = logging.getLogger(__name__)


def register(surface: Surface, services: Services) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def answer(body: dict[str, Any], client: WebClient, respond: Respond, accepted: bool) -> None:
        try:
            problems = role_handoff.answer(services, client, body, accepted)
        except SitrepError as exc:
            reply = services.templates.message("messages/error.json.j2", message=str(exc))
        else:
            if not problems:
                return
            reply = services.templates.message(
                "messages/change_saved_with_problems.json.j2",
                what="The role change",
                problems=problems,
            )
        respond(response_type="ephemeral", replace_original=False, **reply)

    def accept(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        answer(body, client, respond, True)

    def decline(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        answer(body, client, respond, False)

    surface.action(role_handoff.ACCEPT, ack=ack_only, lazy=[accept])
    surface.action(role_handoff.DECLINE, ack=ack_only, lazy=[decline])
