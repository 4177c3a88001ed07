"""The service catalog at work on an incident: owners invited, runbooks linked and posted.

An incident's services are stored as the keys people chose; those found in
the catalog bring their owners and runbooks, and any others stay plain text,
as they always were. Runs as a declare-time hook, after the channel, the card
and the declarer's answer, so a slow user-group look-up never delays them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import hooks
from bot.workflows.invites import invite_each
from bot.workflows.slack_errors import error_code
from bot.workflows.usergroups import resolve_people
from config.services import Catalog, Runbook, Service
from core.events import record_system_event
from storage.models import Incident

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceRunbook:
    service: Service
    runbook: Runbook


def catalog_services(catalog: Catalog, keys: list[str] | None) -> list[Service]:
    found = (catalog.get(k) for k in keys or [])
    return list({s.key: s for s in found if s is not None}.values())


def runbooks_for(catalog: Catalog, keys: list[str] | None) -> list[ServiceRunbook]:
    return [
        ServiceRunbook(service, book)
        for service in catalog_services(catalog, keys)
        for book in service.runbooks
    ]


def split_service_prefix(title: str, catalog: Catalog) -> tuple[str | None, str]:
    """``payments: card declines`` names the payments service when the catalog has it.

    Anything else, a colon in an ordinary title included, stays title text.
    """
    head, colon, rest = title.partition(":")
    if not colon or not rest.strip():
        return None, title
    service = catalog.get(head)
    if service is None:
        return None, title
    return service.key, rest.strip()


@hooks.on(hooks.ON_DECLARED)
def on_declared(
    services: Services, client: WebClient, incident_id: int, actor: str | None
) -> None:
    catalog = services.settings.config.catalog
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return
        found = catalog_services(catalog, incident.services)
        channel_id = incident.channel_id
    if not found:
        return
    owners = [o for s in found for o in s.owners]
    people, problems = resolve_people(client, owners)
    invited: list[str] = []
    if people:
        failed = invite_each(client, channel_id, people)
        problems.extend(failed)
        invited = [p for p in people if not any(f"<@{p}>" in f for f in failed)]
    context: dict[str, Any] = {
        "services": found,
        "runbooks": runbooks_for(catalog, [s.key for s in found]),
        "invited": invited,
        "owners": owners,
        "problems": problems,
    }
    if owners:  # with nobody to invite, the runbooks message is enough
        _record_invites(services, incident_id, found, invited, problems)
    message = services.templates.message("messages/catalog_declared.json.j2", **context)
    try:
        client.chat_postMessage(channel=channel_id, **message)
    except SlackApiError as exc:
        log.warning("posting the services' runbooks failed: %s", error_code(exc))


def _record_invites(
    services: Services,
    incident_id: int,
    found: list[Service],
    invited: list[str],
    problems: list[str],
) -> None:
    with services.db.session() as session:
        row = session.get_one(Incident, incident_id)
        record_system_event(
            session,
            row,
            "service_owners_invited",
            f"Owners of {', '.join(s.name for s in found)} invited: "
            + (", ".join(f"<@{p}>" for p in invited) or "nobody"),
            None,
            services=[s.key for s in found],
            invited=invited,
            problems=problems,
        )
