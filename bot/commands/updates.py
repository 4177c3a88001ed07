"""``/incident update [text]``: a structured status update, from text or a form."""

from __future__ import annotations

import json

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.services import Services
from bot.workflows import updates as update_flow
from bot.workflows.slack_errors import explain
from core import cadence, lifecycle, milestones, updates
from core.errors import InvalidInput
from storage.models import Incident
from storage.types import utcnow


def post_update(
    services: Services, client: WebClient, incident_id: int, draft: updates.UpdateDraft, author: str
) -> list[str]:
    """Check, store and publish one update; shared by the command and the form."""
    config = services.settings.config
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        lifecycle.check_permission(
            session, incident, "update", author, config.lifecycle, config.roles
        )
        if not config.lifecycle.statuses.is_open(incident.status):
            raise InvalidInput(
                f"{incident.reference} is {incident.status}; reopen it with `/incident reopen` "
                "to post updates again."
            )
        update = updates.record(
            session, incident, draft, author, config.severities, config.lifecycle.statuses
        )
        milestones.record_first_response(session, incident, author, utcnow())
        update_id = update.id
    return update_flow.publish(services, client, update_id)


def update(ctx: CommandContext) -> None:
    config = ctx.services.settings.config
    with ctx.services.db.session() as session:
        incident = ctx.incident_here(session)
        incident_id = incident.id
        if not ctx.args.strip():
            view = ctx.services.templates.json(
                "views/update_modal.json.j2",
                incident=incident,
                cadence=cadence.cadence_for(config.severities, incident),
                private_metadata=json.dumps({"incident_id": incident.id}),
            )
        else:
            view = None
    if view is not None:
        try:
            ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        except SlackApiError as exc:
            raise InvalidInput(
                f"Slack did not open the update form ({explain(exc)}). Post the update as text: "
                "`/incident update <what is happening> | impact: ... | doing: ... | next: 30m`."
            ) from None
        return
    draft = updates.parse_text(ctx.args)
    problems = post_update(ctx.services, ctx.client, incident_id, draft, ctx.user_id)
    if problems:
        ctx.reply(
            "messages/change_saved_with_problems.json.j2", what="The update", problems=problems
        )


def register(router: Router) -> None:
    router.add(
        Subcommand(
            "update",
            "update [what is happening | impact: ... | doing: ... | next: 30m]",
            "post a status update (no text opens a form); resets the reminder clock",
            update,
        )
    )
