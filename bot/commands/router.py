"""One slash command, many subcommands: ``/incident <subcommand> [args]``.

The router acks at once and runs the subcommand as a Bolt lazy listener, so
slow Slack or database work never pushes the ack past Slack's 3 seconds.
Help, and the answer to a word that is not a subcommand, need neither Slack
nor the database, so they are the acknowledgement itself: they arrive at once
however busy the workers are. So is the polite refusal of an expensive
command (``Subcommand.expensive``) asked for too often by one person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands.context import CommandContext
from bot.rate_limit import PerUserLimit
from bot.services import Services
from bot.surface import Surface, mark_answered
from core.errors import SitrepError

log = logging.getLogger(__name__)

Handler = Callable[[CommandContext], None]
# Given the text after the subcommand: whether this use of it is expensive.
Expensive = Callable[[str], bool]


def always(_args: str) -> bool:
    return True


def never(_args: str) -> bool:
    return False


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    # Takes a work thread for long (reads a whole channel, searches, drafts):
    # counted against the person's allowance.
    expensive: Expensive = never


class Router:
    def __init__(self, services: Services, command: str = "/incident") -> None:
        self.services = services
        self.command = command
        self.subcommands: dict[str, Subcommand] = {}
        self._order: list[Subcommand] = []
        self.allowance = PerUserLimit(services.settings.config.server.expensive_commands_per_minute)

    def add(self, subcommand: Subcommand) -> None:
        for name in (subcommand.name, *subcommand.aliases):
            if name in self.subcommands:
                raise ValueError(f"subcommand {name!r} registered twice")
            self.subcommands[name] = subcommand
        self._order.append(subcommand)

    @property
    def listed(self) -> list[Subcommand]:
        return list(self._order)

    def register(self, surface: Surface) -> None:
        surface.command(self.command, ack=self._ack, lazy=[self._run])

    def _ack(self, ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        word, _, rest = (body.get("text") or "").strip().partition(" ")
        word = word.lower()
        subcommand = self.subcommands.get(word) if word != "help" else None
        if subcommand is not None:
            if subcommand.expensive(rest.strip()):
                wait = self.allowance.wait_needed(f"{body.get('team_id')}:{body.get('user_id')}")
                if wait:
                    message = self.services.templates.message(
                        "messages/rate_limited.json.j2",
                        command=body.get("command") or self.command,
                        subcommand=subcommand.name,
                        seconds=max(1, round(wait)),
                    )
                    ack(response_type="ephemeral", **message)
                    mark_answered(context)
                    return
            ack()
            return
        intro = ""
        if word and word != "help":
            intro = f":warning: `{word}` is not an incident command."
        ack(response_type="ephemeral", **self.help_message(body, intro))
        mark_answered(context)

    def _run(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = (body.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        ctx = CommandContext(
            services=self.services,
            client=client,
            respond=respond,
            command=body.get("command") or self.command,
            subcommand=word.lower(),
            args=rest.strip(),
            team_id=body.get("team_id", ""),
            user_id=body.get("user_id", ""),
            channel_id=body.get("channel_id", ""),
            trigger_id=body.get("trigger_id", ""),
            body=body,
        )
        if not word or ctx.subcommand == "help":
            self.show_help(ctx)
            return
        subcommand = self.subcommands.get(ctx.subcommand)
        if subcommand is None:
            self.show_help(ctx, intro=f":warning: `{ctx.subcommand}` is not an incident command.")
            return
        try:
            subcommand.handler(ctx)
        except SitrepError as exc:
            ctx.error(str(exc))
        except Exception:
            log.exception("%s %s failed", ctx.command, ctx.subcommand)
            ctx.error(
                f"`{ctx.command} {ctx.subcommand}` failed unexpectedly; the error is in Sitrep's "
                "log. Nothing you did caused it, and you can try again."
            )

    def show_help(self, ctx: CommandContext, intro: str = "") -> None:
        ctx.respond(
            response_type="ephemeral", replace_original=False, **self.help_message(ctx.body, intro)
        )

    def help_message(self, body: dict[str, Any], intro: str = "") -> dict[str, Any]:
        return self.services.templates.message(
            "messages/help.json.j2",
            command=body.get("command") or self.command,
            subcommands=self.listed,
            intro=intro,
        )
