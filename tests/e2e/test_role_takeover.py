"""Taking command from a sitting IC: the IC or Deputy decide, over signed HTTP and buttons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.lifecycle_helpers import declare, reload, run
from tests.e2e.test_lifecycle import error_reply, holders
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

ACCEPT, DECLINE = "role_request_accept", "role_request_decline"


def requests_in(bot: RunningBot, channel: str) -> list[dict[str, Any]]:
    """Messages in the channel that still carry a take-over request's buttons."""
    found = []
    for message in bot.emulator.messages(channel):
        for block in message.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == ACCEPT:
                    found.append(message)
    return found


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(
        element
        for block in message.get("blocks") or []
        for element in block.get("elements") or []
        if element.get("action_id") == action_id
    )


def click(bot: RunningBot, channel: str, message: dict[str, Any], action_id: str, user: str) -> int:
    """Click a request's button; returns how many responses there were before the click."""
    before = len(bot.emulator.responses)
    value = button(message, action_id)["value"]
    payload = bot.emulator.block_actions_payload(user, channel, message["ts"], action_id, value)
    assert bot.sender.interactive(payload).status_code == 200
    return before


def ask(bot: RunningBot, channel: str, text: str, user: str) -> tuple[dict[str, Any], str]:
    """Run a command that becomes a request; returns the request and the asker's reply."""
    before_requests = len(requests_in(bot, channel))
    before = len(bot.emulator.responses)
    response = bot.command(text, user=user, channel=channel)
    assert response.status_code == 200
    asked = wait_for(lambda: requests_in(bot, channel)[before_requests:])[0]
    sent = wait_for(lambda: bot.emulator.responses[before:])[0]
    return asked, sent["text"]


def text_of(bot: RunningBot, channel: str, ts: str) -> str:
    message = next(m for m in bot.emulator.messages(channel) if m["ts"] == ts)
    return json.dumps(message.get("blocks")) + message.get("text", "")


def test_role_ic_me_against_a_sitting_ic_becomes_a_request_the_ic_accepts(
    bot: RunningBot,
) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    asked, sent = ask(bot, channel, "role ic me", "UCAROL")
    assert "<@UCAROL>" in asked["text"] and "<@UALICE>" in asked["text"]
    assert "I asked in the channel" in sent and "<@UALICE>" in sent
    assert holders(bot, incident.id)["incident_commander"] == "UALICE"

    # Still not the IC, so the IC-only commands stay closed to them.
    for text in ("sev 1 spreading", "resolve fixed"):
        before = len(bot.emulator.responses)
        run(bot, incident, text, user="UCAROL")
        assert "Only the Incident Commander or Deputy" in error_reply(bot, before)
    assert reload(bot, incident.id).status == "investigating"

    # The requester cannot answer their own request.
    before = click(bot, channel, asked, ACCEPT, "UCAROL")
    refused = wait_for(lambda: bot.emulator.responses[before:])[0]
    assert "Only the Incident Commander or Deputy" in refused["text"]
    assert holders(bot, incident.id)["incident_commander"] == "UALICE"

    click(bot, channel, asked, ACCEPT, "UALICE")
    wait_for(lambda: holders(bot, incident.id)["incident_commander"] == "UCAROL")
    answered = wait_for(
        lambda: requests_in(bot, channel) == [] and text_of(bot, channel, asked["ts"])
    )
    assert "<@UALICE>" in answered and "handed" in answered.lower()
    run(bot, incident, "resolve Rolled back", user="UCAROL")
    wait_for(lambda: reload(bot, incident.id).status == "resolved")


def test_the_ic_can_keep_the_role_and_a_stale_request_changes_nothing(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    first, _ = ask(bot, channel, "role ic <@UDAN>", "UCAROL")
    assert "<@UDAN>" in first["text"]
    click(bot, channel, first, DECLINE, "UALICE")
    kept = wait_for(lambda: requests_in(bot, channel) == [] and text_of(bot, channel, first["ts"]))
    assert "kept" in kept.lower()
    assert holders(bot, incident.id)["incident_commander"] == "UALICE"

    second, _ = ask(bot, channel, "role ic me", "UCAROL")
    run(bot, incident, "role ic <@UBOB>")  # the IC hands over to someone else meanwhile
    wait_for(lambda: holders(bot, incident.id)["incident_commander"] == "UBOB")
    before = click(bot, channel, second, ACCEPT, "UBOB")
    stale = wait_for(lambda: bot.emulator.responses[before:])[0]
    assert "out of date" in stale["text"]
    assert holders(bot, incident.id)["incident_commander"] == "UBOB"


def test_ic_and_deputy_take_over_directly_and_anyone_takes_an_empty_role(
    bot: RunningBot,
) -> None:
    incident = declare(bot)
    run(bot, incident, "role deputy me", user="UBOB")  # empty: anyone may take it
    wait_for(lambda: holders(bot, incident.id).get("deputy") == "UBOB")
    run(bot, incident, "role scribe me", user="UCAROL")
    wait_for(lambda: holders(bot, incident.id).get("scribe") == "UCAROL")
    run(bot, incident, "role ic me", user="UBOB")  # the Deputy takes command
    wait_for(lambda: holders(bot, incident.id)["incident_commander"] == "UBOB")
    run(bot, incident, "role scribe me", user="UDAN")  # a role without powers changes hands
    wait_for(lambda: holders(bot, incident.id).get("scribe") == "UDAN")

    # Taking the Deputy's place is taking a role with powers: it needs the IC's OK.
    asked, sent = ask(bot, incident.channel_id, "role deputy me", "UCAROL")
    assert "Deputy" in asked["text"] and "I asked in the channel" in sent
    assert holders(bot, incident.id)["deputy"] == "UBOB"
    before = len(bot.emulator.responses)
    run(bot, incident, "role deputy none", user="UDAN")
    assert "Only the Incident Commander or Deputy" in error_reply(bot, before)


@pytest.mark.parametrize("bot_config", [{"permissions": {"take_over": "anyone"}}])
def test_take_over_anyone_restores_the_old_behaviour(bot: RunningBot) -> None:
    incident = declare(bot)
    run(bot, incident, "role ic me", user="UCAROL")
    wait_for(lambda: holders(bot, incident.id)["incident_commander"] == "UCAROL")


def test_postmortem_done_and_tag_need_the_ic_or_deputy(bot: RunningBot) -> None:
    incident = declare(bot)
    for text in ("postmortem done", "tag cause:capacity pool"):
        before = len(bot.emulator.responses)
        run(bot, incident, text, user="UCAROL")
        message = error_reply(bot, before)
        assert "Only the Incident Commander or Deputy" in message, (text, message)
    before = len(bot.emulator.responses)
    run(bot, incident, "tag", user="UCAROL")  # looking is not changing
    shown = wait_for(lambda: bot.emulator.responses[before:])[0]
    assert "Root cause: not set" in json.dumps(shown)
    before = len(bot.emulator.responses)
    run(bot, incident, "tag cause:capacity pool")
    tagged = wait_for(lambda: bot.emulator.responses[before:])[0]
    assert "root cause `capacity`" in json.dumps(tagged)
