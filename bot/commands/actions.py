"""``/incident action add|list|done|reassign|due|drop|snooze|stats``.

``add`` and ``list`` (of an incident) run in the incident's channel; everything
that names an item by id, ``list mine`` and ``stats`` work anywhere, because
items outlive their incident and its channel may be archived.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot import users
from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows import action_items as flow
from core import action_items, due_dates, incidents
from core.errors import InvalidInput

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
PLAIN_MENTION = re.compile(r"^@([\w.\-]+)$")
PRIORITY_WORDS = {"high": "p1", "medium": "p2", "normal": "p2", "low": "p3"}
NO_DATE = {"none", "no", "clear", "-", "never"}


@dataclass
class AddRequest:
    text: str
    owner: str | None  # the mention as typed
    due: date | None
    priority: str


def is_mention(token: str) -> bool:
    return bool(MENTION.match(token) or PLAIN_MENTION.match(token))


def split_add(args: str, today: date) -> AddRequest:
    """Peel ``@owner``, ``due <when>`` and ``priority pN`` off the end of the text, in any order."""
    tokens = args.split()
    owner: str | None = None
    due: date | None = None
    priority: str | None = None
    while tokens:
        last = tokens[-1].lower()
        if priority is None and re.fullmatch(r"p[1-3]", last):
            priority = last
            tokens.pop()
            if tokens and tokens[-1].lower() == "priority":
                tokens.pop()
            continue
        if priority is None and len(tokens) > 1 and tokens[-2].lower() == "priority":
            priority = PRIORITY_WORDS.get(last) or action_items.parse_priority(last)
            del tokens[-2:]
            continue
        if owner is None and is_mention(tokens[-1]):
            owner = tokens.pop()
            continue
        if due is None:
            marks = [i for i, t in enumerate(tokens[:-1]) if t.lower() == "due"]
            if marks:
                found = due_dates.recognize(" ".join(tokens[marks[-1] + 1 :]), today)
                if found is not None:
                    due = found
                    del tokens[marks[-1] :]
                    continue
        break
    return AddRequest(" ".join(tokens), owner, due, priority or action_items.DEFAULT_PRIORITY)


def resolve_user(ctx: CommandContext, token: str) -> str:
    """A user id from ``<@U123|name>`` or a plain ``@name``; unknown people are refused."""
    match = MENTION.match(token)
    if match:
        user_id = match.group(1)
        if users.lookup(ctx.services, ctx.client, user_id) is None:
            raise InvalidInput(f"{token} is not someone in this workspace.")
        return user_id
    plain = PLAIN_MENTION.match(token)
    if not plain:
        raise InvalidInput(f"`{token}` is not a person. Mention them, e.g. `@jake`.")
    found = ctx.services.user_directory.find(ctx.client, plain.group(1))
    if found is None:
        raise InvalidInput(
            f"Nobody called `@{plain.group(1)}` is in this workspace. Check the name, or pick "
            "them from Slack's autocomplete."
        )
    return found


def _today(ctx: CommandContext) -> date:
    return due_dates.today_in(users.user_tz(ctx.services, ctx.client, ctx.user_id))


def _id_and_rest(ctx: CommandContext, rest: str, usage: str) -> tuple[int, str]:
    first, _, tail = rest.strip().partition(" ")
    if not first:
        raise InvalidInput(f"Say which action item: `{ctx.command} action {usage}`.")
    return action_items.parse_id(first), tail.strip()


def _changed(ctx: CommandContext, item_id: int, change: str, **extra: Any) -> None:
    with ctx.services.db.session() as session:
        item = action_items.get(session, item_id)
        view = flow.item_view(session, item, _today(ctx))
    ctx.reply("messages/action_item_changed.json.j2", item=view, change=change, **extra)


# ----- verbs -----------------------------------------------------------------


def add(ctx: CommandContext, rest: str) -> None:
    with ctx.services.db.session() as session:
        incident_id = ctx.incident_here(session).id
    request = split_add(rest, _today(ctx))
    if not request.text:
        raise InvalidInput(
            f"Describe the action item: `{ctx.command} action add <what> [@owner] "
            "[due friday | in 2w | 2026-12-01] [priority p1-p3]`."
        )
    owner = resolve_user(ctx, request.owner) if request.owner else None
    owner = flow.owner_for_new_item(ctx.services, ctx.client, owner, ctx.user_id)
    flow.create_and_announce(
        ctx.services,
        ctx.client,
        incident_id,
        request.text,
        ctx.user_id,
        owner_id=owner,
        due_date=request.due,
        priority=request.priority,
    )


def list_items(ctx: CommandContext, rest: str) -> None:
    which = rest.strip().lower()
    if which not in ("", "mine", "all", "open"):
        raise InvalidInput(f"Use `{ctx.command} action list [mine|all|open]`.")
    today = _today(ctx)
    with ctx.services.db.session() as session:
        incident = None
        if which != "mine":
            incident = ctx.incident_here(session) if which else _incident_or_none(ctx, session)
        if incident is None:
            items = action_items.list_for_owner(session, ctx.user_id, ctx.team_id)
            title_kind, reference = "mine", ""
        else:
            items = action_items.list_for_incident(session, incident, only_open=which != "all")
            title_kind, reference = ("all" if which == "all" else "open"), incident.reference
        views = flow.item_views(session, items[: flow.HOME_ITEMS], today)
    ctx.reply(
        "messages/action_item_list.json.j2",
        kind=title_kind,
        incident_ref=reference,
        items=views,
        hidden=max(len(items) - flow.HOME_ITEMS, 0),
        command=ctx.command,
    )


def _incident_or_none(ctx: CommandContext, session: Any) -> Any:
    """Plain ``action list``: the incident here, or my items anywhere else."""
    return incidents.get_by_channel(session, ctx.channel_id)


def done(ctx: CommandContext, rest: str) -> None:
    item_id, evidence = _id_and_rest(ctx, rest, "done <id> [evidence link or note]")
    with ctx.services.db.session() as session:
        item = action_items.get(session, item_id, ctx.team_id)
        action_items.complete(session, item, ctx.user_id, evidence)
    _changed(ctx, item_id, "done")


def reassign(ctx: CommandContext, rest: str) -> None:
    item_id, who = _id_and_rest(ctx, rest, "reassign <id> @person")
    if not who or len(who.split()) != 1:
        raise InvalidInput(f"Name one new owner: `{ctx.command} action reassign {item_id} @jake`.")
    owner = flow.owner_for_new_item(ctx.services, ctx.client, resolve_user(ctx, who), ctx.user_id)
    with ctx.services.db.session() as session:
        item = action_items.get(session, item_id, ctx.team_id)
        action_items.reassign(
            session,
            item,
            owner,
            ctx.user_id,
            ctx.services.settings.config.action_items.team_of(owner),
        )
    _changed(ctx, item_id, "reassigned")


def set_due(ctx: CommandContext, rest: str) -> None:
    item_id, when = _id_and_rest(ctx, rest, "due <id> <friday | in 2w | 2026-12-01 | none>")
    due = None if when.lower() in NO_DATE else due_dates.parse(when, _today(ctx))
    with ctx.services.db.session() as session:
        item = action_items.get(session, item_id, ctx.team_id)
        action_items.set_due(session, item, due, ctx.user_id)
    _changed(ctx, item_id, "due")


def drop(ctx: CommandContext, rest: str) -> None:
    item_id, reason = _id_and_rest(ctx, rest, "drop <id> [reason]")
    with ctx.services.db.session() as session:
        item = action_items.get(session, item_id, ctx.team_id)
        action_items.drop(session, item, ctx.user_id, reason)
    _changed(ctx, item_id, "dropped")


def snooze(ctx: CommandContext, rest: str) -> None:
    item_id, when = _id_and_rest(ctx, rest, "snooze <id> [until, e.g. in 1w]")
    today = _today(ctx)
    days = ctx.services.settings.config.action_items.snooze_days
    until = due_dates.parse(when, today) if when else today + timedelta(days=days)
    with ctx.services.db.session() as session:
        item = action_items.get(session, item_id, ctx.team_id)
        action_items.snooze(item, until)
    _changed(ctx, item_id, "snoozed")


def stats(ctx: CommandContext, rest: str) -> None:
    config = ctx.services.settings.config.action_items
    with ctx.services.db.session() as session:
        figures = action_items.stats(
            session,
            ctx.team_id,
            _today(ctx),
            team_of=config.team_of,
            window_days=config.completion_window_days,
        )
    ctx.reply("messages/action_item_stats.json.j2", stats=figures, has_teams=bool(config.teams))


VERBS: dict[str, Callable[[CommandContext, str], None]] = {
    "add": add,
    "new": add,
    "list": list_items,
    "ls": list_items,
    "done": done,
    "complete": done,
    "reassign": reassign,
    "due": set_due,
    "drop": drop,
    "snooze": snooze,
    "stats": stats,
}


def action(ctx: CommandContext) -> None:
    verb, _, rest = ctx.args.strip().partition(" ")
    handler = VERBS.get(verb.lower())
    if handler is None:
        intro = f":warning: `{verb}` is not an action item command." if verb else ""
        ctx.reply("messages/action_item_help.json.j2", command=ctx.command, intro=intro)
        return
    handler(ctx, rest.strip())


def register(router: Router) -> None:
    router.add(
        Subcommand(
            name="action",
            usage="action add|list|done|reassign|due|drop|snooze|stats …",
            summary="track action items to completion (`action help` for details)",
            handler=action,
            aliases=("actions",),
        )
    )
