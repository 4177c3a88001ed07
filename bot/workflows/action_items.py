"""Action items in Slack: creating them from any entry point, and rendering them for people.

Commands, the :dart: reaction, the message shortcut and postmortem buttons all
end in ``create_and_announce``; digests, DMs and App Home all render items
through ``item_view`` so an item reads the same everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import users
from bot.services import Services
from bot.workflows import item_access
from bot.workflows.dm import send_dm
from bot.workflows.slack_errors import error_code
from bot.workflows.visibility import Visibility
from config.lifecycle import Statuses
from core import action_items, nudges
from core.due_dates import today_in
from core.errors import InvalidInput
from storage.models import ActionItem, Incident, Participant, RoleAssignment, SlackUser

log = logging.getLogger(__name__)

# Each item in a DM takes a section and a row of buttons; 20 keep a message under 50 blocks.
MAX_ITEMS_PER_MESSAGE = 20
HOME_ITEMS = 30
HOME_INCIDENTS = 10


def cached_tz(session: Session, user_id: str | None) -> str:
    """A time zone already known from users.info, without asking Slack again."""
    profile = session.get(SlackUser, user_id) if user_id else None
    return profile.tz if profile else "UTC"


def item_view(
    session: Session, item: ActionItem, today: date, statuses: Statuses
) -> dict[str, Any]:
    """What templates need to show one item, relative to the reader's ``today``."""
    incident = session.get_one(Incident, item.incident_id)
    return {
        "id": item.id,
        "ref": action_items.reference(item),
        "text": item.text,
        "owner_id": item.owner_id,
        "priority": item.priority,
        "status": item.status,
        "evidence": item.evidence,
        "due_date": item.due_date,
        "days_left": (item.due_date - today).days if item.due_date else None,
        "snoozed_until": item.snoozed_until if action_items.is_snoozed(item, today) else None,
        "incident_ref": incident.reference,
        "incident_title": incident.title,
        "incident_channel": incident.channel_id,
        "incident_open": statuses.is_open(incident.status),
        "permalink": item.source_permalink,
    }


def item_views(
    session: Session, items: Iterable[ActionItem], today: date, statuses: Statuses
) -> list[dict[str, Any]]:
    return [item_view(session, item, today, statuses) for item in items]


def nudge_message(
    services: Services,
    session: Session,
    kind: str,
    item_ids: Iterable[int],
    reader_id: str,
    today: date,
) -> dict[str, Any]:
    """A digest or nudge DM, in sections (overdue, due soon, the rest) when it holds items
    of more than one; re-rendered in place after a button click."""
    items = [i for i in (session.get(ActionItem, n) for n in item_ids) if i is not None]
    shown = items[:MAX_ITEMS_PER_MESSAGE]
    due_soon_days = services.settings.config.action_items.due_soon_days
    sections: dict[str, list[dict[str, Any]]] = {name: [] for name in nudges.SECTIONS}
    for item in shown:
        section = nudges.section_of(item.due_date, today, due_soon_days)
        sections[section].append(
            item_view(session, item, today, services.settings.config.lifecycle.statuses)
        )
    return services.templates.message(
        "messages/action_item_nudge.json.j2",
        kind=kind,
        reader=reader_id,
        sections=[(name, views) for name, views in sections.items() if views],
        hidden=len(items) - len(shown),
    )


def owner_for_new_item(
    services: Services,
    client: WebClient,
    owner_id: str | None,
    caller: str,
    incident: Incident | None = None,
) -> str:
    """The owner to record: the one named, else the person adding the item. Bots cannot own,
    and nobody can own an item of a private ``incident`` they are not in."""
    owner = owner_id or caller
    profile = users.lookup(services, client, owner)
    if profile is None:
        raise InvalidInput(
            f"<@{owner}> is not someone in this workspace. Mention a person, e.g. `@jake`."
        )
    if profile.is_bot:
        raise InvalidInput(f"<@{owner}> is a bot; an action item needs a person to own it.")
    item_access.require_owner_can_see(services, client, owner, incident)
    return owner


def create_and_announce(
    services: Services,
    client: WebClient,
    incident_id: int,
    text: str,
    created_by: str,
    *,
    owner_id: str | None,
    due_date: date | None,
    priority: str,
    source_ts: str | None = None,
    source_permalink: str | None = None,
) -> int:
    """Store the item (with its timeline entry), then say so in the incident channel."""
    config = services.settings.config.action_items
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise InvalidInput("That incident no longer exists, so the action item was not added.")
        item = action_items.create(
            session,
            incident,
            text,
            created_by,
            owner_id=owner_id,
            due_date=due_date,
            priority=priority,
            team=config.team_of(owner_id),
            source_ts=source_ts,
            source_permalink=source_permalink,
        )
        tz = cached_tz(session, created_by)
        view = item_view(session, item, today_in(tz), services.settings.config.lifecycle.statuses)
        channel_id, item_id = incident.channel_id, item.id
    message = services.templates.message(
        "messages/action_item_added.json.j2", item=view, created_by=created_by
    )
    if channel_id:
        try:
            client.chat_postMessage(channel=channel_id, **message)
        except SlackApiError as exc:
            # The item is stored and in the timeline; only the announcement is lost.
            log.warning("announcing %s failed: %s", view["ref"], error_code(exc))
    return item_id


def tell_new_owner(
    services: Services,
    client: WebClient,
    item_id: int,
    by: str,
    previous: str | None,
) -> None:
    """DM the new owner of a reassigned item, naming who handed it over.

    The change is already stored; a DM Slack refuses is logged, not raised.
    Nobody is told about an item they took themselves.
    """
    with services.db.session() as session:
        item = session.get_one(ActionItem, item_id)
        owner = item.owner_id
        if owner is None or owner == by:
            return
        view = item_view(
            session,
            item,
            today_in(cached_tz(session, owner)),
            services.settings.config.lifecycle.statuses,
        )
    message = services.templates.message(
        "messages/action_item_handed_over.json.j2", item=view, by=by, previous=previous
    )
    try:
        send_dm(client, owner, message)
    except SlackApiError as exc:
        log.warning("telling %s about %s failed: %s", owner, view["ref"], error_code(exc))


def visible_items_of(
    services: Services, client: WebClient, user_id: str, team_id: str | None = None
) -> list[ActionItem]:
    """Someone's open items, leaving out those of private incidents they are not in."""
    with services.db.session() as session:
        mine = action_items.list_for_owner(session, user_id, team_id)
        owning = {i.incident_id: session.get_one(Incident, i.incident_id) for i in mine}
    visible = Visibility(services, client, user_id).learn(owning.values())
    return [i for i in mine if visible.can_see(owning[i.incident_id])]


def refresh_home(services: Services, client: WebClient, user_id: str) -> None:
    """Publish the App Home tab: my open items, open incidents I am in, my recent incidents.

    A private incident appears only to someone who may see it, as in search.
    """
    tz = users.user_tz(services, client, user_id)
    today = today_in(tz)
    mine = visible_items_of(services, client, user_id)
    with services.db.session() as session:
        involved = _incidents_of(session, user_id)
    statuses = services.settings.config.lifecycle.statuses
    visible = Visibility(services, client, user_id).learn(involved)
    involved = [i for i in involved if visible.can_see(i)]
    open_incidents = [i for i in involved if statuses.is_open(i.status)]
    recent = [i for i in involved if not statuses.is_open(i.status)]
    with services.db.session() as session:
        view = services.templates.json(
            "views/app_home.json.j2",
            user=user_id,
            items=item_views(session, mine[:HOME_ITEMS], today, statuses),
            hidden=max(len(mine) - HOME_ITEMS, 0),
            open_incidents=open_incidents[:HOME_INCIDENTS],
            recent_incidents=recent[:HOME_INCIDENTS],
        )
    client.views_publish(user_id=user_id, view=view)


def _incidents_of(session: Session, user_id: str) -> list[Incident]:
    """Incidents someone declared, held a role in, joined, or owns an item of; newest first."""
    ids: set[int] = set()
    ids.update(session.scalars(select(Incident.id).where(Incident.declared_by == user_id)))
    ids.update(
        session.scalars(select(RoleAssignment.incident_id).where(RoleAssignment.user_id == user_id))
    )
    ids.update(
        session.scalars(
            select(Participant.incident_id).where(
                Participant.user_id == user_id, Participant.left_at.is_(None)
            )
        )
    )
    ids.update(
        session.scalars(select(ActionItem.incident_id).where(ActionItem.owner_id == user_id))
    )
    if not ids:
        return []
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.id.in_(ids), Incident.channel_id.is_not(None))
            .order_by(Incident.declared_at.desc())
        )
    )
