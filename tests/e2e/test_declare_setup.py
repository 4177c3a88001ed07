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


def incident_channels(bot: RunningBot) -> list[str]:
    """Names of every channel in the workspace that looks like an incident's."""
    client = make_client(bot.services.settings.env)
    listed = client.conversations_list(types="public_channel,private_channel", limit=1000)
    return sorted(c["name"] for c in listed["channels"] if c["name"].startswith("inc-"))


def test_a_lost_answer_to_channel_creation_leaves_one_channel_used_by_the_incident(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    slack.drop_response("conversations.create")  # Slack makes the channel; the answer is lost
    incident = declare_and_wait(bot, "sev1 DB down")
    assert incident_channels(bot) == ["inc-1-db-down"]
    channel = slack.channel_by_name("inc-1-db-down")
    assert channel is not None and incident.channel_id == channel.id
    assert "UALICE" in channel.members and channel.pins == [incident.card_ts]


def test_a_channel_someone_else_made_with_the_name_is_never_taken_over(bot: RunningBot) -> None:
    slack = bot.emulator
    # A person's channel, and one the bot made long ago (another install's INC-1).
    slack.add_channel("inc-1-db-down", creator="UBOB")
    slack.add_channel("inc-1-db-down-2", created=1_600_000_000)
    incident = declare_and_wait(bot, "sev1 DB down")
    assert incident.channel_name == "inc-1-db-down-3"
    assert slack.channel_by_name("inc-1-db-down-3").id == incident.channel_id


def test_a_create_that_never_reached_slack_is_sent_again(bot: RunningBot) -> None:
    bot.emulator.drop_response("conversations.create", applied=False)
    incident = declare_and_wait(bot, "sev2 Queue stuck")
    assert incident_channels(bot) == ["inc-1-queue-stuck"] == [incident.channel_name]
    assert len(bot.emulator.calls_to("conversations.create")) == 2


def test_when_slack_never_answers_the_declarer_is_told_and_nothing_is_left(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    slack.drop_response("conversations.create", count=3, applied=False)
    url = slack.response_url()
    bot.command("declare sev2 Queue stuck", response_url=url)
    told = wait_for(lambda: [r for r in slack.responses if "not declared" in r.get("text", "")])
    assert told[0]["url"] == url
    with bot.services.db.session() as session:
        assert session.scalars(select(Incident)).all() == []
    assert incident_channels(bot) == []
