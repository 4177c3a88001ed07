"""Declaring incidents over signed HTTP, checked in the emulator and the database."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from core.channel_names import is_valid_channel_name
from storage.models import Incident, TimelineEvent
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def incidents(bot: RunningBot) -> list[Incident]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(Incident).order_by(Incident.number)))


def ready_incident(bot: RunningBot, number: int) -> Incident:
    def check() -> Incident | None:
        found = [i for i in incidents(bot) if i.number == number and i.setup_state == "ready"]
        return found[0] if found else None

    return wait_for(check)


def all_ready(bot: RunningBot, count: int) -> list[Incident]:
    def check() -> list[Incident]:
        ready = [i for i in incidents(bot) if i.setup_state == "ready"]
        return ready if len(ready) == count else []

    return wait_for(check)


def test_declare_sev2_creates_channel_card_topic_announcement_and_row(bot: RunningBot) -> None:
    slack = bot.emulator
    response = bot.command("declare sev2 Checkout API returning 500s", user="UALICE")
    assert response.status_code == 200

    incident = ready_incident(bot, 1)
    assert incident.title == "Checkout API returning 500s"
    assert incident.severity == "SEV2"
    assert incident.status == "investigating"
    assert incident.declared_by == "UALICE"

    channel = slack.channel_by_name("inc-1-checkout-api-returning-500s")
    assert channel is not None and channel.id == incident.channel_id
    assert "UALICE" in channel.members
    assert not channel.is_private

    card = next(m for m in channel.messages if m["ts"] == incident.card_ts)
    assert card["ts"] in channel.pins
    card_text = json.dumps(card["blocks"])
    assert "INC-1: Checkout API returning 500s" in card_text
    assert "SEV2" in card_text and "Major feature broken" in card_text
    assert "<@UALICE>" in card_text  # the declarer is IC
    assert "UTC" in card_text and ("EST" in card_text or "EDT" in card_text)  # declarer's zone

    assert "SEV2" in channel.topic and "Checkout API returning 500s" in channel.topic

    announcement = slack.messages(slack.incidents_id)[-1]
    assert announcement["ts"] == incident.broadcast_ts
    assert f"<#{incident.channel_id}>" in json.dumps(announcement["blocks"])

    # The declarer heard at once, and that answer was then replaced by the outcome.
    told = wait_for(lambda: [r for r in slack.responses if "<#" in r.get("text", "")] and [
        r for r in slack.responses if "INC-1" in r.get("text", "")
    ])  # fmt: skip
    assert [r["response_type"] for r in told] == ["ephemeral", "ephemeral"]
    assert told[0]["text"].startswith("Declaring INC-1…")
    assert not told[0]["replace_original"] and told[1]["replace_original"]
    assert f"<#{incident.channel_id}>" in told[1]["text"]

    with bot.services.db.session() as session:
        events = session.scalars(select(TimelineEvent)).all()
        assert [e.data["action"] for e in events] == ["declared"]


def test_second_identical_declare_makes_incident_two_with_its_own_channel(bot: RunningBot) -> None:
    bot.command("declare sev2 Checkout API returning 500s")
    first = ready_incident(bot, 1)
    bot.command("declare sev2 Checkout API returning 500s")
    second = ready_incident(bot, 2)
    assert second.channel_id != first.channel_id
    assert second.channel_name == "inc-2-checkout-api-returning-500s"


def test_emoji_only_and_very_long_titles_still_give_valid_channel_names(bot: RunningBot) -> None:
    long_title = "database connection pool exhausted " * 6
    bot.command("declare 🔥🔥🔥")
    bot.command("declare sev3 " + long_title)
    # The two declares run concurrently, so either may get number 1.
    ready = wait_for(
        lambda: [i for i in incidents(bot) if i.setup_state == "ready"][1:] and incidents(bot)
    )
    by_title = {i.title: i for i in ready}
    emoji, long = by_title["🔥🔥🔥"], by_title[long_title.strip()]
    for incident in (emoji, long):
        assert incident.channel_name and is_valid_channel_name(incident.channel_name)
    assert emoji.channel_name == f"inc-{emoji.number}-fire-fire-fire"
    assert long.channel_name.startswith(f"inc-{long.number}-database-connection-pool")
    assert len(long.channel_name) <= 80
    assert {emoji.number, long.number} == {1, 2}


def test_name_taken_picks_a_unique_variant(bot: RunningBot) -> None:
    # Someone else's channel: one the bot made for this very incident is reused instead
    # (see test_declare_setup.py).
    bot.emulator.add_channel("inc-1-db-down", creator="UBOB")
    bot.command("declare sev1 DB down")
    assert ready_incident(bot, 1).channel_name == "inc-1-db-down-2"


def test_channel_creation_error_tells_the_declarer_and_leaves_nothing(bot: RunningBot) -> None:
    slack = bot.emulator
    slack.fail_next("conversations.create", error="restricted_action")
    bot.command("declare sev1 Payments down")
    reply = wait_for(lambda: [r for r in slack.responses if "not declared" in r.get("text", "")])
    assert "restricted_action" in reply[0]["text"]
    assert incidents(bot) == []
    # Trying again once Slack allows it works. INC-1 was already named to the
    # declarer, so the new incident is INC-2: a number is never given out twice.
    bot.command("declare sev1 Payments down")
    assert ready_incident(bot, 2).channel_name == "inc-2-payments-down"
    assert [i.number for i in incidents(bot)] == [2]


def test_slack_errors_after_the_channel_exists_are_retried_to_completion(bot: RunningBot) -> None:
    from bot.slack_client import make_client
    from bot.workflows.declare import retry_incomplete

    slack = bot.emulator
    slack.fail_next("pins.add", error="restricted_action")
    bot.command("declare sev2 Search slow")
    incident = wait_for(lambda: [i for i in incidents(bot) if i.setup_state == "incomplete"])[0]
    reply = wait_for(lambda: [r for r in slack.responses if "did not complete" in json.dumps(r)])
    assert reply
    retry_incomplete(bot.services, make_client(bot.services.settings.env))
    done = ready_incident(bot, incident.number)
    channel = slack.channel(done.channel_id)
    assert done.card_ts in channel.pins
    # The card was posted once, not once per attempt.
    cards = [m for m in channel.messages if "INC-1" in m.get("text", "")]
    assert len(cards) == 1


def test_rate_limits_on_channel_creation_are_waited_out(bot: RunningBot) -> None:
    bot.emulator.rate_limit("conversations.create", count=2, retry_after=1)
    bot.command("declare sev2 Login errors")
    assert ready_incident(bot, 1).channel_name == "inc-1-login-errors"


def test_forged_signature_and_stale_timestamp_get_401_and_store_nothing(bot: RunningBot) -> None:
    forged = bot.sender.command(
        "declare sev1 Fake", response_url=bot.emulator.response_url(), secret="wrong-secret"
    )
    assert forged.status_code == 401
    stale = bot.sender.command(
        "declare sev1 Old",
        response_url=bot.emulator.response_url(),
        timestamp=int(time.time()) - 6 * 60,
    )
    assert stale.status_code == 401
    time.sleep(0.5)
    assert incidents(bot) == []
    assert not bot.emulator.channel_by_name("inc-1-fake")


def open_declare_modal(bot: RunningBot) -> dict:
    slack = bot.emulator
    trigger = slack.new_trigger_id()
    response = bot.command("declare", trigger_id=trigger, channel=slack.general_id)
    assert response.status_code == 200
    opened = wait_for(lambda: slack.views)[-1]
    assert opened["view"]["callback_id"] == "declare_incident"
    return opened


def test_empty_declare_opens_the_modal_and_submitting_it_declares(bot: RunningBot) -> None:
    slack = bot.emulator
    opened = open_declare_modal(bot)
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Queue backlog growing"}},
        "severity": {"value": {"type": "static_select", "selected_option": {"value": "SEV1"}}},
        "description": {"value": {"type": "plain_text_input", "value": "Orders stuck"}},
        "services": {"value": {"type": "plain_text_input", "value": "orders, queue"}},
        "invitees": {"value": {"type": "multi_users_select", "selected_users": ["UBOB"]}},
        "private": {"value": {"type": "checkboxes", "selected_options": [{"value": "private"}]}},
    }
    payload = slack.view_submission_payload(opened["id"], "UALICE", values)
    assert bot.sender.interactive(payload).status_code == 200

    incident = ready_incident(bot, 1)
    assert (incident.severity, incident.is_private) == ("SEV1", True)
    assert incident.services == ["orders", "queue"]
    assert incident.description == "Orders stuck"
    channel = slack.channel(incident.channel_id)
    assert channel.is_private and {"UALICE", "UBOB"} <= channel.members
    assert incident.broadcast_ts is None  # private incidents are not announced
    # The declarer hears where to go, privately, where they opened the form.
    told = wait_for(lambda: [e for e in slack.ephemerals if "INC-1" in e.get("text", "")])
    assert told[0]["user"] == "UALICE"


def test_modal_without_title_is_refused_inline(bot: RunningBot) -> None:
    slack = bot.emulator
    opened = open_declare_modal(bot)
    values = {"title": {"value": {"type": "plain_text_input", "value": "  "}}}
    payload = slack.view_submission_payload(opened["id"], "UALICE", values)
    response = bot.sender.interactive(payload)
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert "title" in response.json()["errors"]
    time.sleep(0.3)
    assert incidents(bot) == []


def test_message_shortcut_prefills_the_modal_with_a_link_back(bot: RunningBot) -> None:
    slack = bot.emulator
    text = "Checkout is throwing 500s for EU users"
    ts = slack.post_as_user(slack.general_id, "UBOB", text)
    trigger = slack.new_trigger_id()
    response = bot.sender.interactive(
        {
            "type": "message_action",
            "callback_id": "declare_from_message",
            "trigger_id": trigger,
            "user": {"id": "UALICE"},
            "channel": {"id": slack.general_id},
            "message": {
                "type": "message",
                "user": "UBOB",
                "ts": ts,
                "text": text,
            },
        }
    )
    assert response.status_code == 200
    view = wait_for(lambda: slack.views)[-1]["view"]
    dumped = json.dumps(view)
    assert text in dumped
    assert "/archives/" in dumped  # the permalink back to the message


def test_help_unknown_and_list(bot: RunningBot) -> None:
    slack = bot.emulator

    def answers(text: str, last: str = "") -> list[dict]:
        """The answers to one command, up to one holding ``last``: in the acknowledgement
        itself (help), then through the command's own response_url."""
        url = slack.response_url()
        ack = bot.command(text, response_url=url)
        acked = [ack.json()] if ack.content else []
        mine = lambda: acked + [r for r in slack.responses if r["url"] == url]  # noqa: E731
        return wait_for(lambda: [r for r in mine() if last in r.get("text", "")] and mine())

    def answer(text: str) -> dict:
        return answers(text)[0]

    usage = answer("")
    assert "declare" in usage["text"] and "list" in usage["text"]
    unknown = answer("frobnicate")
    assert "`frobnicate` is not an incident command" in unknown["text"]
    assert "declare" in unknown["text"]  # the usage follows the error

    declared = answers("declare sev3 Emails delayed", last="<#")
    assert "Declaring INC-1" in declared[0]["text"] and "INC-1" in declared[-1]["text"]
    listing = answer("list")
    assert "INC-1" in listing["text"] and "Emails delayed" in listing["text"]
