"""What each rule action does in Slack, and the registry later integrations add to.

An executor gets the incident and one planned action and returns, in words,
what it did; it raises ``ActionFailed`` (or lets a Slack error through) when
it could not. ``page``, ``create_tracker_issue`` and ``statuspage`` belong to
the pager, tracker and status-page integrations: they ``register`` their
executors, and until one does the runner records the action as not configured.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.render import mrkdwn_escape
from bot.services import Services
from bot.workflows import broadcast, card, postmortem_reminders, reminders
from bot.workflows.invites import invite_each
from bot.workflows.usergroups import resolve_people
from core import milestones
from core.rules import PlannedAction, fill, placeholder_values
from storage.models import Incident
from storage.types import utcnow


class ActionFailed(Exception):
    """The action could not be done; the message says why, for the incident channel."""


@dataclass(frozen=True)
class ActionContext:
    services: Services
    client: WebClient
    incident_id: int
    event: str
    action: PlannedAction
    actor: str | None


Executor = Callable[[ActionContext], str]
EXECUTORS: dict[str, Executor] = {}
# Actions carried out by integrations that register themselves; named for the message.
PROVIDED_BY = {
    "page": "paging (PagerDuty)",
    "create_tracker_issue": "an issue tracker",
    "statuspage": "a status page",
}


def register(kind: str) -> Callable[[Executor], Executor]:
    def add(executor: Executor) -> Executor:
        EXECUTORS[kind] = executor
        return executor

    return add


def executor_for(kind: str) -> Executor | None:
    return EXECUTORS.get(kind)


def _channel_of(ctx: ActionContext) -> str:
    with ctx.services.db.session() as session:
        incident = session.get_one(Incident, ctx.incident_id)
        if not incident.channel_id:
            raise ActionFailed("the incident has no channel")
        return incident.channel_id


@register("invite")
def invite(ctx: ActionContext) -> str:
    channel_id = _channel_of(ctx)
    people, problems = resolve_people(ctx.client, ctx.action.value)
    if people:
        problems.extend(invite_each(ctx.client, channel_id, people))
    if problems:
        raise ActionFailed("; ".join(problems))
    return "invited " + ", ".join(f"<@{p}>" for p in people) if people else "nobody to invite"


@register("post")
def post(ctx: ActionContext) -> str:
    value = ctx.action.value
    with ctx.services.db.session() as session:
        incident = session.get_one(Incident, ctx.incident_id)
        templates = ctx.services.templates
        context = {"incident": incident, "rule": ctx.action.rule, "event": ctx.event}
        if "text" in value:
            # People write titles; escaping them first keeps a title's <!channel> inert.
            values = {k: mrkdwn_escape(v) for k, v in placeholder_values(incident).items()}
            message = templates.message(
                "messages/rule_post.json.j2", text=fill(value["text"], values), **context
            )
        else:
            message = templates.message(value["template"], **context)
    broadcast.post(ctx.services, ctx.client, value["channel"], **message)
    return f"posted in #{value['channel']}"


@register("set_cadence")
def set_cadence(ctx: ActionContext) -> str:
    statuses = ctx.services.settings.config.lifecycle.statuses
    with ctx.services.db.session() as session:
        incident = session.get_one(Incident, ctx.incident_id)
        if not statuses.is_open(incident.status):
            raise ActionFailed("the incident is no longer open")
        due = utcnow() + ctx.action.value
        incident.next_update_due_at = due
    reminders.reschedule(ctx.services, ctx.incident_id)
    # The due time is stored; a card Slack would not update catches up on the next change.
    with contextlib.suppress(SlackApiError):
        card.refresh(ctx.services, ctx.client, ctx.incident_id)
    return f"next status update due {due:%H:%M} UTC"


@register("require_postmortem")
def require_postmortem(ctx: ActionContext) -> str:
    """Recorded on the timeline; once resolved, the postmortem deadlines are (re)scheduled."""
    with ctx.services.db.session() as session:
        incident = session.get_one(Incident, ctx.incident_id)
        resolved = "resolved" in milestones.get_all(session, incident)
    if resolved:
        postmortem_reminders.schedule(ctx.services, ctx.incident_id)
        return "postmortem required; its deadline reminders are scheduled"
    return "postmortem required; its deadline reminders start when the incident resolves"
