"""``/incident note``, ``/incident timeline [page|all]`` and ``/incident sync``."""

from __future__ import annotations

import math
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot import users
from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand, always
from bot.workflows import backfill
from bot.workflows.slack_errors import explain
from bot.workflows.slack_messages import mentioned, plain_text
from core import timeline
from core.errors import InvalidInput, SitrepError
from core.timeline_notes import parse_note
from storage import work_locks
from storage.types import utcnow

# 20 entries, one section each, plus header and footer: well inside 50 blocks.
PER_PAGE = 20
TEXT_PER_ENTRY = 600
# /incident sync reads at most this many of the channel's newest messages; the
# start-up backfill, which no one waits for, reads everything.
SYNC_MAX_MESSAGES = 5000
# A sync that outlives this is taken to have died; its lock lapses.
SYNC_LOCK_TTL = timedelta(minutes=10)
# `timeline all` puts at most this many entries in the file, the earliest first.
LOG_MAX_ENTRIES = 20000


def note(ctx: CommandContext) -> None:
    with ctx.services.db.session() as session:
        ctx.incident_here(session)
    tz = users.user_tz(ctx.services, ctx.client, ctx.user_id)
    parsed = parse_note(ctx.args, tz, utcnow())
    with ctx.services.db.session() as session:
        incident = ctx.incident_here(session)
        row = timeline.add_note(session, incident, ctx.user_id, parsed.text, parsed.at)
    # Committed before the reply: a reply Slack loses must not take the note with it.
    ctx.reply("messages/note_added.json.j2", incident=incident, note=row, tz=tz)


def show(ctx: CommandContext) -> None:
    arg = ctx.args.strip().lower()
    if arg == "all":
        upload_all(ctx)
        return
    if arg and not arg.isdigit():
        raise InvalidInput(
            f"`{ctx.args.strip()}` is not a page number. Use `{ctx.command} timeline`, "
            f"`{ctx.command} timeline 2` or `{ctx.command} timeline all`."
        )
    page = int(arg or "1")
    tz = users.user_tz(ctx.services, ctx.client, ctx.user_id)
    with ctx.services.db.session(write=False) as session:
        incident = ctx.incident_here(session)
        events = timeline.key_events(session, incident)
    pages = max(1, math.ceil(len(events) / PER_PAGE))
    if page < 1 or page > pages:
        raise InvalidInput(
            f"{incident.reference}'s key events fill {pages} page{'s' if pages > 1 else ''}; "
            f"ask for a page from 1 to {pages}."
        )
    chosen = events[(page - 1) * PER_PAGE : page * PER_PAGE]
    ctx.reply(
        "messages/timeline_page.json.j2",
        incident=incident,
        events=chosen,
        page=page,
        pages=pages,
        total=len(events),
        tz=tz,
        command=ctx.command,
        text_limit=TEXT_PER_ENTRY,
    )


def upload_all(ctx: CommandContext) -> None:
    """The whole log as a Markdown file, sent to the caller in a direct message."""
    tz = users.user_tz(ctx.services, ctx.client, ctx.user_id)
    templates = ctx.services.templates
    with ctx.services.db.session(write=False) as session:
        incident = ctx.incident_here(session)
        total = timeline.count_events(session, incident)
        events = timeline.all_events(session, incident, limit=LOG_MAX_ENTRIES)
        people = timeline.participants(session, incident)
    authors = {e.user_id for e in events if e.user_id} | {p.user_id for p in people}
    authors |= {u for e in events for u in mentioned(e.text)}
    names = _names(ctx, sorted(authors))  # may ask Slack, so no transaction is open
    content = templates.text(
        "text/timeline_log.md.j2",
        incident=incident,
        events=events,
        participants=people,
        names=names,
        readable=lambda text: plain_text(text, names),
        tz=tz,
    )
    comment = templates.text(
        "text/timeline_log_comment.txt.j2", incident=incident, count=len(events), total=total
    )
    filename = f"{incident.reference.lower()}-timeline.md"
    title = f"{incident.reference} timeline"
    try:
        dm = ctx.client.conversations_open(users=ctx.user_id)["channel"]["id"]
        ctx.client.files_upload_v2(
            channel=dm,
            content=content,
            filename=filename,
            title=title,
            initial_comment=comment,
        )
    except SlackApiError as exc:
        raise SitrepError(
            f"Slack would not take the timeline file, because {explain(exc)}."
        ) from exc
    ctx.reply("messages/timeline_sent.json.j2", incident=incident, count=len(events), total=total)


def _names(ctx: CommandContext, user_ids: list[str]) -> dict[str, str]:
    """Display names for the file, which Slack does not render mentions in."""
    names = {}
    for user_id in user_ids:
        profile = users.lookup(ctx.services, ctx.client, user_id)
        names[user_id] = (profile.real_name or profile.name) if profile else user_id
    return names


def sync(ctx: CommandContext) -> None:
    """One sync per incident at a time, in every process: a second would read it all again."""
    with ctx.services.db.session() as session:
        incident = ctx.incident_here(session)
    with work_locks.held(ctx.services.db, f"sync:{incident.id}", SYNC_LOCK_TTL) as mine:
        if not mine:
            ctx.reply("messages/sync_running.json.j2", incident=incident)
            return
        result = backfill.sync_incident(
            ctx.services, ctx.client, incident.id, max_messages=SYNC_MAX_MESSAGES
        )
    ctx.reply("messages/sync_done.json.j2", incident=incident, result=result, cap=SYNC_MAX_MESSAGES)


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="note",
            usage="note [at 14:05 | at 2026-01-05T14:05] <text>",
            summary="add an entry to the timeline, back-dated in your time zone if you like",
            handler=note,
        )
    )
    router.add(
        Subcommand(
            name="timeline",
            usage="timeline [page | all]",
            summary="show the key events to you; `all` sends you the full log as a file",
            handler=show,
            expensive=lambda args: args.strip().lower() == "all",
        )
    )
    router.add(
        Subcommand(
            name="sync",
            usage="sync",
            summary="read the channel's history and add anything the timeline missed",
            handler=sync,
            expensive=always,
        )
    )
