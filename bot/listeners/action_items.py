"""Action items from Slack's surfaces: the :dart: reaction, the message shortcut,
"Create action item" buttons, the digest DM's buttons and the App Home tab.

Every path that creates an item goes through one modal, so an owner, a due
date and a priority are chosen the same way whatever started it.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot import users
from bot.listeners.reaction_hooks import on_category
from bot.services import Services
from bot.surface import Surface
from bot.workflows import action_items as flow
from bot.workflows.dm import tell_user
from core import action_items, due_dates, incidents
from core.errors import SitrepError
from storage.models import ActionItem, Incident, TimelineEvent

log = logging.getLogger(__name__)

SHORTCUT_ID = "create_action_item"
CREATE_ACTION = "action_item_create"
MODAL_ID = "action_item_modal"
REASSIGN_MODAL_ID = "action_item_reassign_modal"
DONE_ACTION = "action_item_done"
SNOOZE_ACTION = "action_item_snooze"
REASSIGN_ACTION = "action_item_reassign"
BUTTON_TEXT_LIMIT = 1500  # a button value holds 2000 characters, JSON included


# ----- the creation modal ----------------------------------------------------


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
        if incident is None:
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


def _value(values: dict[str, Any], block: str) -> Any:
    element = values.get(block, {}).get("value", {})
    kind = element.get("type")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    return element.get("value") or ""


def read_submission(services: Services, client: WebClient, body: dict[str, Any]) -> dict[str, Any]:
    """The new item's fields; raises ``FieldErrors`` naming the blocks that are wrong."""
    values = body["view"]["state"]["values"]
    user_id = body["user"]["id"]
    errors: dict[str, str] = {}
    text = " ".join(str(_value(values, "text")).split())
    if not text:
        errors["text"] = "Describe what needs doing."
    elif len(text) > action_items.MAX_TEXT:
        errors["text"] = f"Keep it under {action_items.MAX_TEXT} characters."
    owner = _value(values, "owner") or user_id
    try:
        owner = flow.owner_for_new_item(services, client, owner, user_id)
    except SitrepError as exc:
        errors["owner"] = str(exc)
    due: date | None = None
    when = str(_value(values, "due")).strip()
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
        "priority": _value(values, "priority") or action_items.DEFAULT_PRIORITY,
    }


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


# ----- the :dart: reaction -----------------------------------------------------


def _message_text(services: Services, client: WebClient, channel: str, ts: str) -> str:
    """The reacted-to message: from the timeline if captured, else from Slack."""
    with services.db.session() as session:
        captured = session.scalars(
            select(TimelineEvent.text).where(
                TimelineEvent.channel_id == channel, TimelineEvent.ts == ts
            )
        ).first()
    if captured:
        return captured
    try:
        page = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        found = [m for m in page.get("messages", []) if m.get("ts") == ts]
        if not found:
            page = client.conversations_replies(channel=channel, ts=ts, limit=20)
            found = [m for m in page.get("messages", []) if m.get("ts") == ts]
    except SlackApiError:
        return ""
    return (found[0].get("text") or "") if found else ""


@on_category("action_item")
def propose_from_reaction(
    services: Services, client: WebClient, incident_id: int, event: dict[str, Any], user_id: str
) -> None:
    """Offer the person who reacted a prefilled action item, privately, where they reacted."""
    item = event.get("item") or {}
    channel, ts = item.get("channel", ""), item.get("ts", "")
    if item.get("type") != "message" or not channel or not ts:
        return
    text = _message_text(services, client, channel, ts)
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return
        reference = incident.reference
    value = json.dumps(
        {
            "incident_id": incident_id,
            "text": text[:BUTTON_TEXT_LIMIT],
            "channel": channel,
            "ts": ts,
        }
    )
    message = services.templates.message(
        "messages/action_item_proposal.json.j2",
        text=text,
        incident_ref=reference,
        value=value,
        action_id=CREATE_ACTION,
    )
    tell_user(client, user_id, channel, message)


# ----- the digest DM's buttons and App Home --------------------------------------


def listed_item_ids(message: dict[str, Any]) -> list[int]:
    """The items a DM lists, read back from its blocks (``ai:<id>`` block ids)."""
    ids = []
    for block in message.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        if block_id.startswith("ai:") and block_id[3:].isdigit():
            ids.append(int(block_id[3:]))
    return ids


def refresh_where_clicked(services: Services, client: WebClient, body: dict[str, Any]) -> None:
    """Redraw the DM (in place) or the App Home tab the button was clicked in."""
    user_id = body["user"]["id"]
    container = body.get("container") or {}
    if container.get("type") == "view":
        flow.refresh_home(services, client, user_id)
        return
    kind = _button(body).get("kind", "digest")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    ids = listed_item_ids(body.get("message") or {})
    if not channel or not ts or not ids:
        return
    today = due_dates.today_in(users.user_tz(services, client, user_id))
    with services.db.session() as session:
        message = flow.nudge_message(services, session, kind, ids, user_id, today)
    client.chat_update(channel=channel, ts=ts, **message)


def _button(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    try:
        value = json.loads(actions[0].get("value") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _say(client: WebClient, respond: Respond | None, body: dict[str, Any], text: str) -> None:
    """A short private note after a click that could not be applied."""
    message = {"text": text}
    try:
        if respond is not None and body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **message)
            return
    except Exception:  # the response URL may have expired; a DM always works
        log.info("response_url failed; falling back to a DM")
    tell_user(client, body["user"]["id"], "", message)


def register(surface: Surface, services: Services) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def open_from_shortcut(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        channel = (body.get("channel") or {}).get("id", "")
        message = body.get("message") or {}
        with services.db.session() as session:
            incident = incidents.get_by_channel(session, channel)
            incident_id = incident.id if incident else None
        if incident_id is None:
            respond(
                **services.templates.message(
                    "messages/error.json.j2",
                    message="Create action item works on messages in an incident's channel. "
                    "Use it there, or `/incident action add` in the incident channel.",
                ),
                response_type="ephemeral",
            )
            return
        open_create_modal(
            services,
            client,
            body["trigger_id"],
            incident_id=incident_id,
            user_id=body["user"]["id"],
            text=(message.get("text") or "")[: action_items.MAX_TEXT],
            channel=channel,
            ts=message.get("ts"),
        )

    def open_from_button(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        value = _button(body)
        try:
            open_create_modal(
                services,
                client,
                body["trigger_id"],
                incident_id=int(value["incident_id"]),
                user_id=body["user"]["id"],
                text=str(value.get("text") or "")[: action_items.MAX_TEXT],
                channel=str(value.get("channel") or ""),
                ts=value.get("ts"),
            )
        except (KeyError, ValueError, TypeError):
            _say(
                client,
                respond,
                body,
                ":warning: That button is out of date; add the item with "
                "`/incident action add` instead.",
            )
        except SitrepError as exc:
            _say(client, respond, body, f":warning: {exc}")

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

    def mark_done(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        _change(
            body,
            client,
            respond,
            lambda session, item, user: action_items.complete(session, item, user),
        )

    def snooze(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        today = due_dates.today_in(users.user_tz(services, client, body["user"]["id"]))
        days = services.settings.config.action_items.snooze_days
        _change(
            body,
            client,
            respond,
            lambda _s, item, _u: action_items.snooze(item, today + timedelta(days=days)),
        )

    def _change(body: dict[str, Any], client: WebClient, respond: Respond, apply: Any) -> None:
        item_id = _button(body).get("id")
        try:
            with services.db.session() as session:
                item = session.get(ActionItem, int(item_id or 0))
                if item is None:
                    raise SitrepError("That action item no longer exists.")
                apply(session, item, body["user"]["id"])
        except SitrepError as exc:
            _say(client, respond, body, f":information_source: {exc}")
        refresh_where_clicked(services, client, body)

    def open_reassign(body: dict[str, Any], client: WebClient) -> None:
        item_id = _button(body).get("id")
        with services.db.session() as session:
            item = session.get(ActionItem, int(item_id or 0))
            if item is None:
                return
            today = due_dates.today_in(flow.cached_tz(session, body["user"]["id"]))
            view_item = flow.item_view(
                session, item, today, services.settings.config.lifecycle.statuses
            )
        container = body.get("container") or {}
        view = services.templates.json(
            "views/action_item_reassign.json.j2",
            item=view_item,
            private_metadata=json.dumps(
                {
                    "id": item_id,
                    "kind": _button(body).get("kind", "digest"),
                    "container": container,
                    "items": listed_item_ids(body.get("message") or {}),
                }
            ),
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def ack_reassign(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        owner = _value(body["view"]["state"]["values"], "owner")
        try:
            flow.owner_for_new_item(services, client, owner, body["user"]["id"])
        except SitrepError as exc:
            ack(response_action="errors", errors={"owner": str(exc)})
            return
        ack()

    def reassign_from_modal(body: dict[str, Any], client: WebClient) -> None:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        owner = _value(body["view"]["state"]["values"], "owner")
        user_id = body["user"]["id"]
        try:
            owner = flow.owner_for_new_item(services, client, owner, user_id)
        except SitrepError:
            return  # refused inline by the ack
        try:
            with services.db.session() as session:
                item = action_items.get(session, int(meta["id"]))
                action_items.reassign(
                    session,
                    item,
                    owner,
                    user_id,
                    services.settings.config.action_items.team_of(owner),
                )
        except SitrepError as exc:
            tell_user(client, user_id, "", {"text": f":information_source: {exc}"})
        container = meta.get("container") or {}
        redraw = {
            "user": {"id": user_id},
            "container": container,
            "actions": [{"value": json.dumps({"id": meta.get("id"), "kind": meta.get("kind")})}],
            "message": {"blocks": [{"block_id": f"ai:{n}"} for n in meta.get("items") or []]},
        }
        refresh_where_clicked(services, client, redraw)

    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        flow.refresh_home(services, client, event["user"])

    surface.message_shortcut(SHORTCUT_ID, ack=ack_only, lazy=[open_from_shortcut])
    surface.action(CREATE_ACTION, ack=ack_only, lazy=[open_from_button])
    surface.view(MODAL_ID, ack=ack_submission, lazy=[create_from_modal])
    surface.action(DONE_ACTION, ack=ack_only, lazy=[mark_done])
    surface.action(SNOOZE_ACTION, ack=ack_only, lazy=[snooze])
    surface.action(REASSIGN_ACTION, ack=ack_only, lazy=[open_reassign])
    surface.view(REASSIGN_MODAL_ID, ack=ack_reassign, lazy=[reassign_from_modal])
    surface.event("app_home_opened", home_opened)
