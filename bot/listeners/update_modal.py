"""The status update form opened by ``/incident update``."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.commands.updates import post_update
from bot.services import Services
from bot.surface import Surface
from bot.workflows.dm import tell_user
from core import updates
from core.errors import SitrepError
from storage.models import Incident

log = logging.getLogger(__name__)

CALLBACK_ID = "status_update"


def _text(values: dict[str, Any], block: str) -> str:
    return (values.get(block, {}).get("value", {}).get("value") or "").strip()


def draft_from_view(body: dict[str, Any]) -> updates.UpdateDraft:
    values = body["view"]["state"]["values"]
    return updates.UpdateDraft(
        happening=_text(values, "happening"),
        impact=_text(values, "impact"),
        actions=_text(values, "actions"),
        next_in=updates.parse_next(_text(values, "next")),
    )


def register(surface: Surface, services: Services) -> None:
    def ack_submission(ack: Ack, body: dict[str, Any]) -> None:
        values = body["view"]["state"]["values"]
        errors = {}
        if not _text(values, "happening"):
            errors["happening"] = "Say what is happening."
        try:
            updates.parse_next(_text(values, "next"))
        except SitrepError as exc:
            errors["next"] = str(exc)[:150]
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

    def post_from_view(body: dict[str, Any], client: WebClient) -> None:
        author = body["user"]["id"]
        incident_id = int(json.loads(body["view"].get("private_metadata") or "{}")["incident_id"])
        try:
            problems = post_update(services, client, incident_id, draft_from_view(body), author)
        except SitrepError as exc:
            problems = [str(exc)]
        if problems:
            with services.db.session() as session:
                channel = session.get_one(Incident, incident_id).channel_id or ""
            message = services.templates.message(
                "messages/change_saved_with_problems.json.j2", what="The update", problems=problems
            )
            tell_user(client, author, channel, message)

    surface.view(CALLBACK_ID, ack=ack_submission, lazy=[post_from_view])
