"""``/incident postmortem [done | check [text]]``: draft, finish and check the postmortem."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand, always
from bot.workflows import postmortem as postmortem_flow
from bot.workflows import postmortem_reminders
from core import lifecycle
from core.errors import InvalidInput
from core.postmortem import blameless, versions

USAGE = (
    "`/incident postmortem` drafts a new version, `/incident postmortem done` marks the latest "
    "final, and `/incident postmortem check [text]` looks for blaming wording."
)
MAX_FINDINGS = 10


def postmortem(ctx: CommandContext) -> None:
    word, _, rest = ctx.args.strip().partition(" ")
    word = word.lower()
    config = ctx.services.settings.config
    with ctx.services.db.session() as session:
        incident = ctx.incident_here(session)
        incident_id, reference = incident.id, incident.reference
        if word in ("done", "final", "finalize"):
            lifecycle.check_permission(
                session,
                incident,
                lifecycle.POSTMORTEM_DONE,
                ctx.user_id,
                config.lifecycle,
                config.roles,
            )
    if word in ("", "draft", "new", "regenerate"):
        ctx.reply("messages/postmortem_started.json.j2", reference=reference)
        postmortem_flow.generate(ctx.services, ctx.client, incident_id, ctx.user_id)
    elif word in ("done", "final", "finalize"):
        postmortem_flow.mark_final(ctx.services, ctx.client, incident_id, ctx.user_id)
        postmortem_reminders.cancel(ctx.services, incident_id)
    elif word == "check":
        check(ctx, incident_id, reference, rest.strip())
    else:
        raise InvalidInput(f"`{word}` is not a postmortem command. {USAGE}")


def check(ctx: CommandContext, incident_id: int, reference: str, text: str) -> None:
    """Pasted text, or else the latest stored version without its quotes of the channel."""
    if text:
        findings = blameless.check_text(text)
        checked = "the text you gave"
    else:
        with ctx.services.db.session() as session:
            row = versions.latest(session, incident_id)
            if row is None:
                raise InvalidInput(
                    f"{reference} has no postmortem yet. Draft one with `/incident postmortem`, "
                    "or paste text to check: `/incident postmortem check <text>`."
                )
            findings = blameless.check_document(row.content)
            checked = f"version {row.version} of the {reference} postmortem"
    ctx.reply(
        "messages/postmortem_check.json.j2",
        checked=checked,
        findings=findings[:MAX_FINDINGS],
        more=max(0, len(findings) - MAX_FINDINGS),
    )


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="postmortem",
            usage="postmortem [done | check [text]]",
            summary="draft the postmortem into the channel, mark it final, or check its wording",
            handler=postmortem,
            aliases=("pm", "retro"),
            expensive=always,
        )
    )
