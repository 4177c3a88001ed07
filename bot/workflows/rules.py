"""Running the configured rules when an incident changes: every action, in order, on the record.

Each action a rule takes goes on the incident's timeline under the rule's
name, whatever its outcome. One that fails, or that nothing is configured to
carry out, is reported in the incident channel, and the actions after it
still run: a broken status page must not stop the exec channel hearing of a
SEV1. Runs as lifecycle hooks, after the change is stored and announced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.workflows import catalog as _catalog  # noqa: F401  (its declare hook runs first)
from bot.workflows import hooks
from bot.workflows.rule_actions import PROVIDED_BY, ActionContext, ActionFailed, executor_for
from bot.workflows.slack_errors import error_code, explain
from core import rules
from core.events import record_system_event
from storage.models import Incident

__all__ = ["PROVIDED_BY", "Outcome", "executor_for", "run"]
log = logging.getLogger(__name__)

DONE, FAILED, NOT_CONFIGURED = "done", "failed", "not_configured"
# The moments rules run on, as hooks. ``alert_received`` has no hook yet: the
# alerts feature calls ``run(..., "alert_received", ...)`` when an alert attaches.
HOOKED_EVENTS = (
    hooks.ON_DECLARED,
    hooks.ON_SEVERITY_CHANGED,
    hooks.ON_STATUS_CHANGED,
    hooks.ON_RESOLVED,
    hooks.ON_CLOSED,
    hooks.ON_REOPENED,
    hooks.ON_ACTION_ITEM_OVERDUE,
)


@dataclass(frozen=True)
class Outcome:
    action: rules.PlannedAction
    result: str  # DONE, FAILED or NOT_CONFIGURED
    detail: str


def run(
    services: Services, client: WebClient, incident_id: int, event: str, actor: str | None
) -> list[Outcome]:
    """Carry out the plan for ``event``; returns each action's outcome, in order."""
    config = services.settings.config
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return []
        plan = rules.plan(config.rules, event, rules.facts_for(incident, config.catalog))
    outcomes = []
    for action in plan.actions:
        outcome = _carry_out(services, client, incident_id, event, action, actor)
        _record(services, incident_id, event, outcome)
        if outcome.result != DONE:
            _report(services, client, incident_id, outcome)
        outcomes.append(outcome)
    return outcomes


def _carry_out(
    services: Services,
    client: WebClient,
    incident_id: int,
    event: str,
    action: rules.PlannedAction,
    actor: str | None,
) -> Outcome:
    executor = executor_for(action.kind)
    if executor is None:
        provider = PROVIDED_BY.get(action.kind, action.kind)
        return Outcome(action, NOT_CONFIGURED, f"not configured: {provider} is not set up")
    try:
        detail = executor(ActionContext(services, client, incident_id, event, action, actor))
    except ActionFailed as exc:
        return Outcome(action, FAILED, str(exc))
    except SlackApiError as exc:
        return Outcome(action, FAILED, explain(exc))
    except Exception:
        log.exception("rule %r action %s failed", action.rule, action.kind)
        return Outcome(action, FAILED, "an unexpected error; it is in Sitrep's log")
    return Outcome(action, DONE, detail)


def _record(services: Services, incident_id: int, event: str, outcome: Outcome) -> None:
    action = outcome.action
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        record_system_event(
            session,
            incident,
            "rule_action",
            f"Rule “{action.rule}” ({event}): {rules.describe(action)}: {outcome.detail}",
            None,
            rule=action.rule,
            rule_event=event,
            kind=action.kind,
            position=action.position,
            outcome=outcome.result,
        )


def _report(services: Services, client: WebClient, incident_id: int, outcome: Outcome) -> None:
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        channel_id = incident.channel_id
        message = services.templates.message(
            "messages/rule_action_problem.json.j2",
            incident=incident,
            rule=outcome.action.rule,
            what=rules.describe(outcome.action),
            detail=outcome.detail,
            not_configured=outcome.result == NOT_CONFIGURED,
        )
    if not channel_id:
        return
    try:
        client.chat_postMessage(channel=channel_id, **message)
    except SlackApiError as exc:
        log.warning("reporting a rule action problem failed: %s", error_code(exc))


def _hook_for(event: str) -> hooks.Hook:
    def run_rules(
        services: Services, client: WebClient, incident_id: int, actor: str | None
    ) -> None:
        if services.settings.config.rules.for_event(event):
            run(services, client, incident_id, event, actor)

    run_rules.__name__ = f"run_rules_on_{event}"
    return run_rules


for _event in HOOKED_EVENTS:
    hooks.on(_event)(_hook_for(_event))
