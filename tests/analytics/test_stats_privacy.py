"""Stats count private incidents but name none of them to people outside them."""

from __future__ import annotations

import json
from datetime import timedelta

from storage.models import Participant
from storage.types import utcnow
from tests.analytics.history import stored_incident
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def history(bot: RunningBot) -> None:
    """Two public capacity incidents on `web`, and a private repeat on a private-only service."""
    now = utcnow()
    with bot.services.db.session() as session:
        stored_incident(
            session, 1, now - timedelta(days=20), services=["web"], category="capacity",
            resolve=timedelta(hours=1), title="Web slow",
        )  # fmt: skip
        second = stored_incident(
            session, 2, now - timedelta(days=12), services=["payroll"], category="data-leak",
            resolve=timedelta(hours=2), private=True, ic="UCAROL", title="Salary file exposed",
        )  # fmt: skip
        third = stored_incident(
            session, 3, now - timedelta(days=5), services=["payroll"], category="data-leak",
            resolve=timedelta(hours=2), private=True, ic="UCAROL", title="Salary file again",
        )  # fmt: skip
        stored_incident(
            session, 4, now - timedelta(days=2), services=["web"], category="capacity",
            resolve=timedelta(hours=1), title="Web slow again",
        )  # fmt: skip
        # Carol is still in both private channels.
        for incident in (second, third):
            session.add(Participant(incident_id=incident.id, user_id="UCAROL"))


def stats_text(bot: RunningBot, user: str) -> str:
    slack = bot.emulator
    before = len(slack.messages(slack.general_id))
    bot.command("stats 30d", channel=slack.general_id, user=user)
    posted = wait_for(
        lambda: [
            m for m in slack.messages(slack.general_id)[before:] if "Incident stats" in m["text"]
        ]
    )[0]
    return json.dumps(posted["blocks"], ensure_ascii=False) + posted["text"]


def test_a_non_member_sees_counts_but_no_name_only_private_incidents_carry(
    bot: RunningBot,
) -> None:
    history(bot)
    text = stats_text(bot, "UBOB")

    assert "*4 incidents* in the last 30 days" in text  # private ones are counted
    for secret in ("payroll", "data-leak", "Salary", "INC-2", "INC-3"):
        assert secret not in text, secret
    assert "`private` 2" in text  # their service and cause, folded
    assert "`web` 2" in text and "`capacity` 2" in text
    assert "INC-4 repeats INC-1" in text
    assert "1 involving private incidents" in text


def test_a_member_of_the_private_incidents_sees_them_named(bot: RunningBot) -> None:
    history(bot)
    text = stats_text(bot, "UCAROL")

    assert "`payroll` 2" in text and "`data-leak` 2" in text
    assert "INC-3 repeats INC-2" in text
    assert "private incidents" not in text
