"""Declaring an incident in a test and waiting until the declarer has heard the outcome.

The declarer hears "Declaring INC-n…" at once and the outcome (with the
channel link) once the incident is ready; a test that waited only for the
first answer, or only for "ready", could mistake that late outcome for the
answer to its next command. Slack also sends a member_joined_channel for each
person the declare invited; those are stored too before a test goes on, so
what the test sends next is all that is left to happen.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Incident, ProcessedEvent
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def outcome(reply: dict) -> bool:
    """The declarer's last answer: the channel link, or why there is none."""
    text = reply.get("text", "")
    return "<#" in text or "not declared" in text


def declare_and_wait(
    bot: RunningBot, text: str, user: str = "UALICE", timeout: float = 15
) -> Incident:
    def ids() -> set[int]:
        with bot.services.db.session() as session:
            return set(session.scalars(select(Incident.id)))

    before = ids()
    url = bot.emulator.response_url()
    bot.command(f"declare {text}", user=user, response_url=url)
    wait_for(lambda: [r for r in bot.emulator.responses if r.get("url") == url and outcome(r)],
             timeout)  # fmt: skip

    def ready() -> Incident | None:
        with bot.services.db.session() as session:
            return session.scalars(
                select(Incident).where(Incident.id.not_in(before), Incident.setup_state == "ready")
            ).first()

    incident = wait_for(ready, timeout)
    wait_for(lambda: joins_stored(bot, incident), timeout)
    return incident


def joins_stored(bot: RunningBot, incident: Incident) -> bool:
    """Slack has sent a join for everyone the declare invited, and the bot has stored each."""
    slack = bot.emulator
    channel = slack.channel(incident.channel_id or "")
    if channel is None:
        return False
    people = channel.members - {slack.bot_user_id}
    sent = [
        d
        for d in slack.deliveries
        if d["event"].get("channel") == channel.id and d["event"].get("user") in people
    ]
    if {d["event"]["user"] for d in sent} != people:
        return False
    ids = {d["event_id"] for d in sent}
    with bot.services.db.session() as session:
        stored = session.scalars(
            select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(ids))
        )
        return set(stored) == ids
