"""The one modal that creates an action item, whatever opened it.

The ack validates the form, so mistakes are shown in the form while it stays
open; the lazy listener then creates and announces the item.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import users
from bot.listeners.action_items.payloads import field_value
from bot.services import Services
from bot.surface import Surface
from bot.workflows import action_items as flow
from bot.workflows.dm import tell_user
from bot.workflows.visibility import Visibility
from core import action_items, due_dates
from core.errors import SitrepError
from storage.models import Incident

log = logging.getLogger(__name__)

MODAL_ID = "action_item_modal"


def open_create_modal(
    services: Services,
    client: WebClient,
    trigger_id: str,
    *,
    incident_id: int,
    user_id: str,
    text: str = "",
    channel: str = "",
    ts: str | None = None,
) -> None:
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
    # A button can name any incident; a private one opens only for its members.
    if incident is None or not Visibility(services, client, user_id).can_see(incident):
        raise SitrepError("That incident no longer exists.")
    reference, title = incident.reference, incident.title
    view = services.templates.json(
        "views/action_item_modal.json.j2",
        text=text,
        owner=user_id,
        incident_ref=reference,
        incident_title=title,
        private_metadata=json.dumps({"incident_id": incident_id, "channel": channel, "ts": ts}),
    )
    client.views_open(trigger_id=trigger_id, view=view)


def read_submission(services: Services, client: WebClient, body: dict[str, Any]) -> dict[str, Any]:
    """The new item's fields; raises ``FieldErrors`` naming the blocks that are wrong."""
    values = body["view"]["state"]["values"]
    user_id = body["user"]["id"]
    meta = json.loads(body["view"].get("private_metadata") or "{}")
    with services.db.session() as session:
        incident = session.get(Incident, int(meta.get("incident_id") or 0))
    errors: dict[str, str] = {}
    text = " ".join(str(field_value(values, "text")).split())
    if not text:
        errors["text"] = "Describe what needs doing."
    elif len(text) > action_items.MAX_TEXT:
        errors["text"] = f"Keep it under {action_items.MAX_TEXT} characters."
    owner = field_value(values, "owner") or user_id
    try:
        owner = flow.owner_for_new_item(services, client, owner, user_id, incident)
    except SitrepError as exc:
        errors["owner"] = str(exc)
    due: date | None = None
    when = str(field_value(values, "due")).strip()
    if when:
        try:
            due = due_dates.parse(
                when, due_dates.today_in(users.user_tz(services, client, user_id))
            )
        except SitrepError as exc:
            errors["due"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return {
        "text": text,
        "owner_id": owner,
        "due_date": due,
        "priority": field_value(values, "priority") or action_items.DEFAULT_PRIORITY,
    }


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def register(surface: Surface, services: Services) -> None:
    def ack_submission(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        try:
            read_submission(services, client, body)
        except FieldErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        ack()

    def create_from_modal(body: dict[str, Any], client: WebClient) -> None:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        user_id = body["user"]["id"]
        channel = meta.get("channel") or ""
        try:
            fields = read_submission(services, client, body)
        except FieldErrors:
            return  # the ack already showed the errors in the form, which stays open
        try:
            permalink = None
            if channel and meta.get("ts"):
                try:
                    permalink = client.chat_getPermalink(channel=channel, message_ts=meta["ts"])[
                        "permalink"
                    ]
                except SlackApiError:
                    log.info("no permalink for the action item's source message")
            flow.create_and_announce(
                services,
                client,
                int(meta["incident_id"]),
                fields["text"],
                user_id,
                owner_id=fields["owner_id"],
                due_date=fields["due_date"],
                priority=fields["priority"],
                source_ts=meta.get("ts"),
                source_permalink=permalink,
            )
        except SitrepError as exc:
            tell_user(
                client,
                user_id,
                channel,
                services.templates.message("messages/error.json.j2", message=str(exc)),
            )

    surface.view(MODAL_ID, ack=ack_submission, lazy=[create_from_modal])
