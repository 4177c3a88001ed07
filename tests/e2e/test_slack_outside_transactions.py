"""No transaction waits on Slack: claim or store, commit, and only then call Slack.

A transaction held across a Slack call holds SQLite's one write lock (other
writers fail after the busy timeout) or a PostgreSQL connection, for as long
as Slack is slow; and a Slack failure rolls back work that was already done.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.slack_client import make_client
from bot.workflows import reports
from core.analytics.periods import previous_month
from scheduler import registry
from storage.db import Database
from storage.models import DigestDelivery, Incident, SentReminder, TimelineEvent
from storage.types import utcnow
from tests.e2e.lifecycle_helpers import declare
from tests.support.harness import TEAM_ID, RunningBot
from tests.support.waiting import wait_for

# Nothing listens here: a response URL Slack has lost, so the reply fails.
DEAD_RESPONSE_URL = "http://127.0.0.1:9/response/gone"


def test_a_note_whose_reply_fails_is_still_stored(bot: RunningBot) -> None:
    incident = declare(bot)
    sent = bot.command(
        "note Rolled back the pricing deploy",
        user="UALICE",
        channel=incident.channel_id,
        response_url=DEAD_RESPONSE_URL,
    )
    assert sent.status_code == 200

    def notes() -> list[str]:
        with bot.services.db.session() as session:
            return list(
                session.scalars(
                    select(TimelineEvent.text).where(
                        TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "note"
                    )
                )
            )

    assert wait_for(notes) == ["Rolled back the pricing deploy"]


@pytest.mark.parametrize("bot_config", [{"postmortem": {"draft_due": "1h", "final_due": "2h"}}])
def test_a_postmortem_reminder_holds_no_transaction_while_slack_is_slow(
    bot: RunningBot, bot_env: dict[str, str]
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    bot.command("resolve Rolled back", user="UALICE", channel=incident.channel_id)
    scheduler = bot.services.scheduler
    wait_for(lambda: scheduler.aps.get_job(f"postmortem-draft-{incident.id}"), timeout=30)

    # Slack takes longer to answer than SQLite lets a second writer wait (5 s).
    slack.delay("chat.postMessage", seconds=8, count=1)
    posts = len(slack.calls_to("chat.postMessage"))
    outcome: list[Any] = []
    reminder = threading.Thread(
        target=lambda: outcome.append(
            registry.run_task("postmortem.remind", incident.id, "draft", "2026-01-01T00:00")
        )
    )
    reminder.start()
    try:
        wait_for(lambda: len(slack.calls_to("chat.postMessage")) > posts, timeout=30)
        # While Slack holds the post, another process sees the claim, and can write.
        other = Database(bot_env["DATABASE_URL"])
        try:
            with other.session() as session:
                states = list(
                    session.scalars(
                        select(SentReminder.state).where(
                            SentReminder.incident_id == incident.id,
                            SentReminder.kind == "postmortem",
                        )
                    )
                )
                session.execute(
                    update(Incident)
                    .where(Incident.id == incident.id)
                    .values(summary="Pricing deploy rolled back")
                )
        finally:
            other.dispose()
        assert states == ["sending"]
        assert reminder.is_alive()  # the write above did not wait for Slack to answer
    finally:
        reminder.join(timeout=60)
    assert outcome == ["sent"]
    with bot.services.db.session() as session:
        row = session.scalars(select(SentReminder).where(SentReminder.kind == "postmortem")).one()
        assert row.state == "sent"
        assert session.get_one(Incident, incident.id).summary == "Pricing deploy rolled back"


@pytest.mark.parametrize("bot_config", [{"analytics": {"report_channel": "incident-reports"}}])
def test_the_monthly_report_is_recorded_against_its_workspace(bot: RunningBot) -> None:
    bot.emulator.add_channel("incident-reports", members=["UALICE"])
    client = make_client(bot.services.settings.env)
    period = previous_month(utcnow())
    assert reports.post_monthly(bot.services, client, TEAM_ID, period) is not None
    assert reports.post_monthly(bot.services, client, TEAM_ID, period) is None  # once
    with bot.services.db.session() as session:
        (row,) = session.scalars(select(DigestDelivery))
        assert (row.team_id, row.user_id, row.kind, row.status) == (
            TEAM_ID,
            "",  # a report is not a DM: no person
            "monthly-report",
            "sent",
        )
