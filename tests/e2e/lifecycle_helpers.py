"""Shared steps for the lifecycle tests: declare, run commands in the channel, read state."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from storage.models import Incident, TimelineEvent
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def declare(
    bot: RunningBot, text: str = "sev2 Checkout API returning 500s", user: str = "UALICE"
) -> Incident:
    return declare_and_wait(bot, text, user=user)


def incidents(bot: RunningBot) -> list[Incident]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(Incident).order_by(Incident.number)))


def reload(bot: RunningBot, incident_id: int) -> Incident:
    with bot.services.db.session() as session:
        return session.get_one(Incident, incident_id)


def actions(bot: RunningBot, incident_id: int) -> list[str]:
    with bot.services.db.session() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "system")
            .order_by(TimelineEvent.id)
        )
        return [r.data.get("action") for r in rows]


def run(bot: RunningBot, incident: Incident, text: str, user: str = "UALICE") -> None:
    response = bot.command(text, user=user, channel=incident.channel_id)
    assert response.status_code == 200


def last_response(bot: RunningBot, count_before: int) -> dict[str, Any]:
    return wait_for(lambda: bot.emulator.responses[count_before:] and bot.emulator.responses[-1])


def card(bot: RunningBot, incident: Incident) -> str:
    channel = bot.emulator.channel(incident.channel_id)
    message = next(m for m in channel.messages if m["ts"] == incident.card_ts)
    return json.dumps(message["blocks"])


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(m.get("blocks") or m.get("text")) for m in messages]
