"""Drafting a postmortem and putting it in the incident channel.

The order matters for "nothing lost": the version is stored first, then
published (a channel canvas, or a Markdown file where canvases are not
available), then announced with a short summary. A Slack or AI failure after
the version is stored degrades what people see, never what is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot import users
from bot.services import Services
from bot.workflows.slack_errors import error_code, explain
from core.errors import InvalidInput, NotFound
from core.events import record_system_event
from core.postmortem import blameless, versions
from core.postmortem.ai import AIUnavailable, Drafter, Narrative, anthropic_sender
from core.postmortem.document import Draft, render, render_log
from core.postmortem.facts import Facts, gather
from storage.models import (
    ActionItem,
    Incident,
    Participant,
    Postmortem,
    RoleAssignment,
    SlackUser,
    TimelineEvent,
)
from storage.types import utcnow

log = logging.getLogger(__name__)

CANVAS_LIMIT = 1_000_000  # characters of Markdown a canvas takes
PROFILE_LOOKUPS = 200  # users.info calls one generation may make to learn names
MAX_FINDINGS = 5
MAX_SUGGESTIONS = 5


@dataclass
class Published:
    canvas_id: str | None = None
    file_id: str | None = None
    file_link: str | None = None
    problem: str = ""


def generate(
    services: Services, client: WebClient, incident_id: int, actor: str | None
) -> Postmortem:
    """Draft a new version, store it, publish it and announce it in the channel."""
    config = services.settings.config.postmortem
    with services.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound("That incident no longer exists.")
        if not incident.channel_id:
            raise InvalidInput(f"{incident.reference} has no channel to post a postmortem in.")
        channel_id, reference = incident.channel_id, incident.reference
        wanted = _people(session, incident_id)
    _learn_names(services, client, wanted)

    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        facts = gather(session, incident, services.settings.config.roles.name_of)

    narrative, notice = _narrative(services, facts)
    draft = Draft(version=0, generated_at=utcnow(), notice=notice)
    if narrative is not None:
        draft.source, draft.model = "ai", narrative.model
        draft.narrative, draft.omitted = narrative.fields, narrative.omitted

    if len(facts.events) > config.inline_log_limit:
        draft.log_inline = False
        draft.log_link = _attach_log(services, client, facts, channel_id)
        if draft.log_link is None:
            draft.notice = _join(draft.notice, _notice(services, "log_not_attached"))

    def render_version(version: int) -> str:
        draft.version = version
        return render(services.templates, facts, draft, redacted=config.redact_document)

    row = versions.add(
        services.db,
        incident_id,
        render=render_version,
        source=draft.source,
        notice=draft.notice,
        created_by=actor,
    )
    published = _publish(services, client, row, reference, channel_id)
    findings = blameless.check_fields(draft.narrative)[:MAX_FINDINGS]
    suggestions = [e.text for e in facts.suggested_items] + list(
        draft.narrative.get("action_items", [])
    )
    message = services.templates.message(
        "messages/postmortem_summary.json.j2",
        facts=facts,
        m=facts.measures,
        row=row,
        draft=draft,
        published=published,
        findings=findings,
        suggestions=suggestions[:MAX_SUGGESTIONS],
    )
    try:
        summary_ts = client.chat_postMessage(channel=channel_id, **message)["ts"]
    except SlackApiError as exc:
        log.warning("postmortem summary for %s not posted: %s", reference, error_code(exc))
        summary_ts = None
    with services.db.session() as session:
        stored = session.get_one(Postmortem, row.id)
        stored.canvas_id, stored.file_id = published.canvas_id, published.file_id
        stored.summary_ts = summary_ts
        record_system_event(
            session,
            session.get_one(Incident, incident_id),
            "postmortem_drafted",
            f"Postmortem version {row.version} drafted"
            + (f" by <@{actor}>" if actor else " automatically"),
            actor,
            version=row.version,
            source=row.source,
        )
        row = stored
    if summary_ts is None and published.canvas_id is None and published.file_id is None:
        raise InvalidInput(
            f"Version {row.version} of the {reference} postmortem is stored, but Slack would not "
            f"take it ({published.problem}). Get it with "
            f"`sitrep export incident {reference[4:]} --format json`."
        )
    return row


def _people(session: Any, incident_id: int) -> set[str]:
    """Everyone the document will name."""
    found: set[str] = set()
    for column, model in (
        (TimelineEvent.user_id, TimelineEvent),
        (RoleAssignment.user_id, RoleAssignment),
        (Participant.user_id, Participant),
        (ActionItem.owner_id, ActionItem),
    ):
        found |= set(
            session.scalars(select(column).where(model.incident_id == incident_id).distinct())
        )
    incident = session.get(Incident, incident_id)
    found.add(incident.declared_by)
    return {u for u in found if u}


def _learn_names(services: Services, client: WebClient, user_ids: set[str]) -> None:
    with services.db.session() as session:
        known = set(
            session.scalars(select(SlackUser.user_id).where(SlackUser.user_id.in_(user_ids)))
        )
    for user_id in sorted(user_ids - known)[:PROFILE_LOOKUPS]:
        users.lookup(services, client, user_id)


def _notice(services: Services, kind: str, **context: Any) -> str:
    return services.templates.text("text/postmortem_notice.txt.j2", kind=kind, **context)


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip()


def _narrative(services: Services, facts: Facts) -> tuple[Narrative | None, str]:
    """The AI narrative, or None and the reason, in words for the channel."""
    env = services.settings.env
    ai = services.settings.config.postmortem.ai
    if not env.anthropic_api_key or not ai.enabled:
        return None, ""
    if facts.is_private and not ai.include_private:
        return None, _notice(services, "private")
    drafter = Drafter(
        ai, services.templates, anthropic_sender(ai, env.anthropic_api_key, env.anthropic_base_url)
    )
    try:
        return drafter.draft(facts), ""
    except AIUnavailable as exc:
        log.warning("AI draft for %s unavailable: %s", facts.reference, exc)
        return None, _notice(services, "ai_failed", reason=str(exc))
    except Exception:  # an AI hiccup must never cost the draft
        log.exception("AI draft for %s failed", facts.reference)
        return None, _notice(services, "ai_failed", reason="an unexpected error (see the log)")


def _attach_log(services: Services, client: WebClient, facts: Facts, channel_id: str) -> str | None:
    """Upload the full timeline as a Markdown file; returns its link."""
    config = services.settings.config.postmortem
    content = render_log(services.templates, facts, redacted=config.redact_document)
    try:
        response = client.files_upload_v2(
            channel=channel_id,
            content=content,
            filename=f"{facts.reference}-timeline.md",
            title=f"{facts.reference} full timeline",
            initial_comment=_notice(services, "log_attached", facts=facts),
        )
    except SlackApiError as exc:
        log.warning("full timeline for %s not uploaded: %s", facts.reference, error_code(exc))
        return None
    return (response.get("file") or {}).get("permalink")


def _publish(
    services: Services, client: WebClient, row: Postmortem, reference: str, channel_id: str
) -> Published:
    """The document as the channel's canvas, else as a Markdown file."""
    content = {"type": "markdown", "markdown": row.content}
    problem = ""
    if len(row.content) <= CANVAS_LIMIT:
        try:
            previous = _our_canvas(services, row.incident_id)
            if previous:
                try:
                    return _replace_canvas(client, previous, content)
                except SlackApiError as exc:
                    if error_code(exc) != "canvas_not_found":
                        raise
            try:
                created = client.conversations_canvases_create(
                    channel_id=channel_id, title=f"{reference} postmortem", document_content=content
                )
            except SlackApiError as exc:
                # A generation running at the same time may have just made it; a canvas
                # someone else made is theirs, and is never overwritten.
                again = _our_canvas(services, row.incident_id)
                if error_code(exc) != "channel_canvas_already_exists" or not again:
                    raise
                return _replace_canvas(client, again, content)
            return Published(canvas_id=created["canvas_id"])
        except SlackApiError as exc:
            # canvas_disabled_user_team, team_tier_cannot_create_channel_canvases,
            # channel_canvas_already_exists (someone else's canvas) ...: a file does the job.
            log.info("canvas for %s not available: %s", reference, error_code(exc))
            problem = explain(exc)
    try:
        response = client.files_upload_v2(
            channel=channel_id,
            content=row.content,
            filename=f"{reference}-postmortem-v{row.version}.md",
            title=f"{reference} postmortem, version {row.version}",
        )
    except SlackApiError as exc:
        log.warning("postmortem file for %s not uploaded: %s", reference, error_code(exc))
        return Published(problem=explain(exc))
    file = response.get("file") or {}
    return Published(file_id=file.get("id"), file_link=file.get("permalink"), problem=problem)


def _our_canvas(services: Services, incident_id: int) -> str | None:
    """The canvas an earlier version of this postmortem was published as."""
    with services.db.session() as session:
        return session.scalar(
            select(Postmortem.canvas_id)
            .where(Postmortem.incident_id == incident_id, Postmortem.canvas_id.is_not(None))
            .order_by(Postmortem.version.desc())
            .limit(1)
        )


def _replace_canvas(client: WebClient, canvas_id: str, content: dict[str, Any]) -> Published:
    client.canvases_edit(
        canvas_id=canvas_id, changes=[{"operation": "replace", "document_content": content}]
    )
    return Published(canvas_id=canvas_id)


def mark_final(services: Services, client: WebClient, incident_id: int, actor: str) -> Postmortem:
    with services.db.session() as session:
        incident = session.get_one(Incident, incident_id)
        row = versions.mark_final(session, incident, actor)
        channel_id, reference = incident.channel_id, incident.reference
    if row.canvas_id:
        banner = services.templates.text("text/postmortem_final_banner.md.j2", row=row, actor=actor)
        try:
            client.canvases_edit(
                canvas_id=row.canvas_id,
                changes=[
                    {
                        "operation": "insert_at_start",
                        "document_content": {"type": "markdown", "markdown": banner + "\n\n"},
                    }
                ],
            )
        except SlackApiError as exc:
            log.info("final banner for %s not added: %s", reference, error_code(exc))
    if channel_id:
        client.chat_postMessage(
            channel=channel_id,
            **services.templates.message(
                "messages/postmortem_final.json.j2", reference=reference, row=row, actor=actor
            ),
        )
    return row
