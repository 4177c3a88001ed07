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

from sqlalchemy.orm import Session

from bot import users
from bot.commands.context import CommandContext
from bot.commands.router import Router, Subcommand
from bot.workflows import action_items as flow
from bot.workflows import item_access
from config.lifecycle import Statuses
from core import action_items, due_dates, incidents
from core.errors import InvalidInput
from storage.models import ActionItem

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


def _statuses(ctx: CommandContext) -> Statuses:
    return ctx.services.settings.config.lifecycle.statuses


def _id_and_rest(ctx: CommandContext, rest: str, usage: str) -> tuple[int, str]:
    first, _, tail = rest.strip().partition(" ")
    if not first:
        raise InvalidInput(f"Say which action item: `{ctx.command} action {usage}`.")
    return action_items.parse_id(first), tail.strip()


def _change(
    ctx: CommandContext,
    item_id: int,
    change: str,
    apply: Callable[[Session, ActionItem], object],
    today: date | None = None,
    target: item_access.Target | None = None,
) -> None:
    """Apply ``apply`` to an item the caller may see and change, then tell them how it stands.

    Whether they may see it is settled before the transaction opens (it can take a
    call to Slack); an item they may not see is "not found", exactly like a missing one.
    """
    today = today or _today(ctx)
    target = target or item_access.target(
        ctx.services, ctx.client, ctx.user_id, ctx.team_id, item_id
    )
    with ctx.services.db.session() as session:
        item = target.changeable(ctx.services, session)
        apply(session, item)
        view = flow.item_view(session, item, today, _statuses(ctx))
    ctx.reply("messages/action_item_changed.json.j2", item=view, change=change)


# ----- verbs -----------------------------------------------------------------


def add(ctx: CommandContext, rest: str) -> None:
    with ctx.services.db.session() as session:
        incident = ctx.incident_here(session)
    request = split_add(rest, _today(ctx))
    if not request.text:
        raise InvalidInput(
            f"Describe the action item: `{ctx.command} action add <what> [@owner] "
            "[due friday | in 2w | 2026-12-01] [priority p1-p3]`."
        )
    owner = resolve_user(ctx, request.owner) if request.owner else None
    owner = flow.owner_for_new_item(ctx.services, ctx.client, owner, ctx.user_id, incident)
    flow.create_and_announce(
        ctx.services,
        ctx.client,
        incident.id,
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
        if incident is not None:
            items = action_items.list_for_incident(session, incident, only_open=which != "all")
            title_kind, reference = ("all" if which == "all" else "open"), incident.reference
    if incident is None:
        # Only items of incidents the caller may see: ownership alone shows no private incident.
        items = flow.visible_items_of(ctx.services, ctx.client, ctx.user_id, ctx.team_id)
        title_kind, reference = "mine", ""
    with ctx.services.db.session() as session:
        views = flow.item_views(session, items[: flow.HOME_ITEMS], today, _statuses(ctx))
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
    _change(
        ctx,
        item_id,
        "done",
        lambda session, item: action_items.complete(session, item, ctx.user_id, evidence),
    )


def reassign(ctx: CommandContext, rest: str) -> None:
    item_id, who = _id_and_rest(ctx, rest, "reassign <id> @person")
    target = item_access.target(ctx.services, ctx.client, ctx.user_id, ctx.team_id, item_id)
    incident = target.require_visible()  # before anything else, so nothing leaks
    with ctx.services.db.session() as session:
        target.changeable(ctx.services, session)
    if not who or len(who.split()) != 1:
        raise InvalidInput(f"Name one new owner: `{ctx.command} action reassign {item_id} @jake`.")
    owner = flow.owner_for_new_item(
        ctx.services, ctx.client, resolve_user(ctx, who), ctx.user_id, incident
    )
    team = ctx.services.settings.config.action_items.team_of(owner)
    previous: list[str | None] = []
    _change(
        ctx,
        item_id,
        "reassigned",
        lambda session, item: previous.append(
            action_items.reassign(session, item, owner, ctx.user_id, team)
        ),
        target=target,
    )
    flow.tell_new_owner(ctx.services, ctx.client, item_id, ctx.user_id, previous[0])


def set_due(ctx: CommandContext, rest: str) -> None:
    item_id, when = _id_and_rest(ctx, rest, "due <id> <friday | in 2w | 2026-12-01 | none>")
    today = _today(ctx)
    due = None if when.lower() in NO_DATE else due_dates.parse(when, today)
    _change(
        ctx,
        item_id,
        "due",
        lambda session, item: action_items.set_due(session, item, due, ctx.user_id),
        today,
    )


def drop(ctx: CommandContext, rest: str) -> None:
    item_id, reason = _id_and_rest(ctx, rest, "drop <id> [reason]")
    _change(
        ctx,
        item_id,
        "dropped",
        lambda session, item: action_items.drop(session, item, ctx.user_id, reason),
    )


def snooze(ctx: CommandContext, rest: str) -> None:
    item_id, when = _id_and_rest(ctx, rest, "snooze <id> [until, e.g. in 1w]")
    today = _today(ctx)
    days = ctx.services.settings.config.action_items.snooze_days
    until = due_dates.parse(when, today) if when else today + timedelta(days=days)
    _change(ctx, item_id, "snoozed", lambda _session, item: action_items.snooze(item, until), today)


def stats(ctx: CommandContext, rest: str) -> None:
    config = ctx.services.settings.config.action_items
    today = _today(ctx)  # may ask Slack for the caller's zone, so before the transaction
    with ctx.services.db.session() as session:
        figures = action_items.stats(
            session,
            ctx.team_id,
            today,
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
