"""Declaring an incident in a test and waiting until the declarer has heard the outcome.

The declarer hears "Declaring INC-n…" at once and the outcome (with the
channel link) once the incident is ready; a test that waited only for the
first answer, or only for "ready", could mistake that late outcome for the
answer to its next command.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Incident
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

    return wait_for(ready, timeout)
