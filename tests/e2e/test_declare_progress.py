"""The declarer hears at once, hears again while Slack is slow, and hears the outcome.

Slack rate-limits conversations.create in these tests for many seconds. The
declarer must be told "Declaring INC-n…" at once, told what is happening
within 5 seconds of Slack's first refusal, and told the outcome at the end.
"""

from __future__ import annotations

from sqlalchemy import select

from emulator import SlackEmulator
from storage.models import Incident
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

TOLD_WITHIN = 5.0  # seconds after Slack's first refusal


def ready(bot: RunningBot) -> Incident | None:
    with bot.services.db.session() as session:
        return session.scalars(select(Incident).where(Incident.setup_state == "ready")).first()


def incidents(bot: RunningBot) -> list[Incident]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(Incident)))


def refused_once(slack: SlackEmulator) -> None:
    """Slack has answered the first conversations.create (with a 429)."""
    wait_for(lambda: slack.calls_to("conversations.create"))


def test_a_slash_command_declare_is_answered_at_once_updated_and_finished(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    slack.rate_limit("conversations.create", seconds=20, retry_after=5)
    url = slack.response_url()
    bot.command("declare sev1 Checkout down", response_url=url)

    def replies() -> list[dict]:
        return [r for r in slack.responses if r["url"] == url]

    first = wait_for(replies)[0]
    assert first["text"].startswith("Declaring INC-1…")
    assert first["response_type"] == "ephemeral" and not first["replace_original"]

    refused_once(slack)
    update = wait_for(
        lambda: [r for r in replies() if "rate-limiting" in r["text"]], timeout=TOLD_WITHIN
    )[0]
    assert "Declaring INC-1… Slack is rate-limiting channel creation; retrying" in update["text"]
    assert update["response_type"] == "ephemeral" and update["replace_original"]

    final = wait_for(lambda: [r for r in replies() if "<#" in r["text"]], timeout=90)[0]
    incident = wait_for(lambda: ready(bot))
    assert f"INC-1 is open in <#{incident.channel_id}>" in final["text"]
    assert final["replace_original"]
    # At once, one update, the outcome: well within a response_url's five posts.
    assert [r["text"] for r in replies()] == [first["text"], update["text"], final["text"]]
    channel = slack.channel_by_name("inc-1-checkout-down")
    assert channel is not None and channel.id == incident.channel_id


def test_a_declare_slack_never_lets_through_ends_in_a_clear_failure_and_leaves_nothing(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    slack.rate_limit("conversations.create", count=100, retry_after=0)
    url = slack.response_url()
    bot.command("declare sev1 Checkout down", response_url=url)

    def replies() -> list[dict]:
        return [r for r in slack.responses if r["url"] == url]

    refused_once(slack)
    wait_for(lambda: [r for r in replies() if "rate-limiting" in r["text"]], timeout=TOLD_WITHIN)
    final = wait_for(lambda: [r for r in replies() if "not declared" in r["text"]], timeout=60)[0]
    assert final["text"].startswith("INC-1 was not declared")
    assert "`ratelimited`" in final["text"] and final["replace_original"]
    assert incidents(bot) == []
    assert slack.channel_by_name("inc-1-checkout-down") is None


def shortcut_then_submit(bot: RunningBot, channel: str, text: str) -> None:
    """The message shortcut on a message in ``channel``, then the prefilled modal submitted."""
    slack = bot.emulator
    ts = slack.post_as_user(channel, "UBOB", text)
    before = len(slack.views)
    bot.sender.interactive(
        {
            "type": "message_action",
            "callback_id": "declare_from_message",
            "trigger_id": slack.new_trigger_id(),
            "user": {"id": "UALICE"},
            "channel": {"id": channel},
            "message": {"type": "message", "user": "UBOB", "ts": ts, "text": text},
            "response_url": slack.response_url(channel_id=channel, user_id="UALICE"),
        }
    )
    opened = wait_for(lambda: slack.views[before:])[-1]
    values = {
        "title": {"value": {"type": "plain_text_input", "value": text}},
        "severity": {"value": {"type": "static_select", "selected_option": {"value": "SEV2"}}},
    }
    payload = slack.view_submission_payload(opened["id"], "UALICE", values)
    assert bot.sender.interactive(payload).status_code == 200


def test_a_shortcut_declare_is_told_where_it_came_from_while_slack_is_slow(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    slack.rate_limit("conversations.create", seconds=6, retry_after=2)
    shortcut_then_submit(bot, slack.general_id, "Checkout is throwing 500s")

    def notes() -> list[dict]:
        return [e for e in slack.ephemerals if e["user"] == "UALICE"]

    first = wait_for(notes)[0]
    assert first["channel"] == slack.general_id
    assert first["text"].startswith("Declaring INC-1…")
    refused_once(slack)
    update = wait_for(
        lambda: [e for e in notes() if "rate-limiting" in e["text"]], timeout=TOLD_WITHIN
    )[0]
    assert "Slack is rate-limiting channel creation" in update["text"]
    assert update["channel"] == slack.general_id

    final = wait_for(lambda: [e for e in notes() if "<#" in e["text"]], timeout=60)[0]
    incident = wait_for(lambda: ready(bot))
    assert f"<#{incident.channel_id}>" in final["text"]
    assert final["channel"] == slack.general_id
    assert slack.dms("UALICE") == []


def test_where_the_bot_cannot_post_the_declarer_gets_one_dm_kept_up_to_date(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    # A private channel the bot is not in: no ephemeral can reach the declarer there.
    elsewhere = slack.add_channel(
        "war-room", is_private=True, members=["UALICE", "UBOB"], bot_member=False
    )
    shortcut_then_submit(bot, elsewhere, "Search results are empty")

    final = wait_for(lambda: [m for m in slack.dms("UALICE") if "<#" in m.get("text", "")])
    incident = wait_for(lambda: ready(bot))
    assert f"<#{incident.channel_id}>" in final[0]["text"]
    assert len(slack.dms("UALICE")) == 1  # "Declaring INC-1…", edited into the outcome
    assert [e for e in slack.ephemerals if e["user"] == "UALICE"] == []


def test_a_slow_later_step_is_named_in_the_update(bot: RunningBot) -> None:
    slack = bot.emulator
    slack.rate_limit("pins.add", count=2, retry_after=1)
    url = slack.response_url()
    bot.command("declare sev3 Emails delayed", response_url=url)

    def replies() -> list[dict]:
        return [r for r in slack.responses if r["url"] == url]

    wait_for(lambda: slack.calls_to("pins.add"))
    update = wait_for(
        lambda: [r for r in replies() if "rate-limiting" in r["text"]], timeout=TOLD_WITHIN
    )[0]
    assert "Slack is rate-limiting the incident card's post; retrying" in update["text"]
    final = wait_for(lambda: [r for r in replies() if "<#" in r["text"]], timeout=30)[0]
    incident = wait_for(lambda: ready(bot))
    assert f"<#{incident.channel_id}>" in final["text"]
    assert slack.channel(incident.channel_id).pins == [incident.card_ts]
