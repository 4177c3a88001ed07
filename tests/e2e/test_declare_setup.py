"""Building an incident's Slack side exactly once, whatever runs beside it or fails under it."""

from __future__ import annotations

from sqlalchemy import select

from bot.slack_client import make_client
from bot.workflows.declare import retry_incomplete
from storage.models import Incident
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def only_incident(bot: RunningBot) -> Incident:
    with bot.services.db.session() as session:
        return session.scalars(select(Incident)).one()


def incident_in(bot: RunningBot, state: str) -> Incident | None:
    with bot.services.db.session() as session:
        return session.scalars(select(Incident).where(Incident.setup_state == state)).first()


def cards_in(bot: RunningBot, channel_id: str) -> list[dict]:
    return [m for m in bot.emulator.messages(channel_id) if "INC-1" in m.get("text", "")]


def test_a_retry_during_a_slow_card_post_leaves_one_pinned_card(bot: RunningBot) -> None:
    slack = bot.emulator
    slack.delay("chat.postMessage", seconds=3)
    url = slack.response_url()
    bot.command("declare sev2 Search slow", response_url=url)
    # The card post has reached Slack and is being answered slowly; a retry
    # (a restarting process, or an operator) runs now.
    wait_for(lambda: slack.calls_to("chat.postMessage"))
    retry_incomplete(bot.services, make_client(bot.services.settings.env))

    wait_for(lambda: [r for r in slack.responses if r["url"] == url and "<#" in r.get("text", "")])
    incident = wait_for(lambda: incident_in(bot, "ready"))
    channel = slack.channel(incident.channel_id)
    assert channel is not None
    assert [m["ts"] for m in cards_in(bot, channel.id)] == [incident.card_ts]
    assert channel.pins == [incident.card_ts]
    announcements = [m for m in slack.messages(slack.incidents_id) if "INC-1" in str(m)]
    assert len(announcements) == 1
    assert incident.setup_owner is None  # the claim was let go once setup finished


def test_retry_finishes_an_incomplete_setup_that_nobody_holds(bot: RunningBot) -> None:
    slack = bot.emulator
    slack.fail_next("pins.add", error="restricted_action")
    bot.command("declare sev2 Search slow")
    incident = wait_for(lambda: incident_in(bot, "incomplete"))
    assert incident.setup_owner is None

    assert retry_incomplete(bot.services, make_client(bot.services.settings.env)) == 1
    done = only_incident(bot)
    assert done.setup_state == "ready"
    assert slack.channel(done.channel_id).pins == [done.card_ts]
    assert len(cards_in(bot, done.channel_id)) == 1
    # A second declare afterwards is untouched by the retry above.
    assert declare_and_wait(bot, "sev3 Another").number == 2
