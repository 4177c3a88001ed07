"""User text never notifies a crowd: ``<!here>`` and friends typed by anyone stay text.

Every piece of text below comes in over signed HTTP the way Slack sends it
(with "escape channels, users and links" on, so a typed @here arrives as
``<!here>``). Whatever the bot then sends, in every call the emulator saw and
every response-URL post, is read the way Slack reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from emulator.mentions import broadcasts, shown_texts, user_mentions
from storage.models import ActionItem, Incident, RoleAssignment, StatusUpdate
from tests.e2e.postmortem_helpers import published
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

PINGS = "<!here> <!channel> <!everyone> <!subteam^S123> <!subteam^S456|@oncall> @here"
SPOOF = "\u202eexe.gnp\u202c"  # a right-to-left override that reverses what people read


# Answers given in the acknowledgement itself (help, unknown subcommands), which Slack
# shows like a response-URL post.
_ACKS: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def _fresh_acks() -> None:
    _ACKS.clear()


def _reply(bot: RunningBot, text: str, channel: str, user: str = "UALICE") -> dict[str, Any]:
    url = bot.emulator.response_url()
    ack = bot.command(text, user=user, channel=channel, response_url=url)
    assert ack.status_code == 200
    if ack.content:
        _ACKS.append(ack.json())
        return _ACKS[-1]
    return wait_for(lambda: [r for r in bot.emulator.responses if r.get("url") == url])[-1]


def _posted(bot: RunningBot, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    def found() -> list[dict[str, Any]]:
        return [a for a in bot.emulator.calls_to("chat.postMessage") if check(a)]

    return wait_for(found)[-1]


def _run(bot: RunningBot, text: str, channel: str, user: str = "UALICE") -> None:
    assert bot.command(text, user=user, channel=channel).status_code == 200


def _everything_sent(bot: RunningBot) -> list[tuple[str, Any]]:
    sent: list[tuple[str, Any]] = list(bot.emulator.calls)
    sent += [("response_url", body) for body in bot.emulator.responses]
    sent += [("ack", body) for body in _ACKS]
    return sent


def test_no_user_text_becomes_a_broadcast_anywhere_the_bot_posts(bot: RunningBot) -> None:
    slack = bot.emulator
    incident: Incident = declare_and_wait(bot, f"sev2 {PINGS} database down {SPOOF}")
    channel = incident.channel_id
    assert channel
    assert "\u202e" not in incident.title and "\u202c" not in incident.title

    _reply(bot, f"note {PINGS} failover started, cc <@UCAROL|carol>", channel)
    _run(bot, f"update {PINGS} still down | impact: {PINGS} | doing: {PINGS}", channel)
    wait_for(lambda: _count(bot, StatusUpdate) == 1)
    _run(bot, f"action add {PINGS} add a replica <@UBOB|bob>", channel)
    wait_for(lambda: _count(bot, ActionItem) == 1)
    _run(bot, "role ic <@UBOB|bob>", channel)
    wait_for(lambda: _commander(bot, incident.id) == "UBOB")
    _run(bot, f"sev 1 {PINGS} spreading", channel, user="UBOB")
    wait_for(lambda: _incident(bot, incident.id).severity == "SEV1")
    _run(bot, f"resolve {PINGS} replica promoted", channel, user="UBOB")
    wait_for(lambda: _incident(bot, incident.id).status == "resolved")
    _run(bot, "postmortem", channel, user="UBOB")
    published(bot, incident.id)
    _reply(bot, "list", slack.general_id)  # type: ignore[attr-defined]
    _run(bot, "stats", slack.general_id)  # type: ignore[attr-defined]
    _posted(bot, lambda a: "Incident stats" in str(a.get("text")))
    _reply(bot, "search database", slack.general_id)  # type: ignore[attr-defined]
    _reply(bot, "timeline", channel)
    _reply(bot, f"similar {PINGS} database down", slack.general_id)  # type: ignore[attr-defined]
    _reply(bot, f"{PINGS} not-a-command", slack.general_id)  # type: ignore[attr-defined]
    _reply(bot, "action list mine", slack.general_id, user="UBOB")  # type: ignore[attr-defined]
    home = {"type": "app_home_opened", "user": "UBOB", "channel": "D0BOB", "tab": "home"}
    assert bot.sender.event(home).status_code == 200
    wait_for(lambda: "add a replica" in json.dumps(slack.home_views.get("UBOB") or {}))
    # The card and topic are refreshed after the resolve; wait until they show it.
    wait_for(lambda: "Resolved" in slack.channel(channel).topic)  # type: ignore[union-attr]

    canvas = slack.calls_to("conversations.canvases.create")
    assert canvas and "failover started" in json.dumps(canvas)  # the postmortem was checked too
    live = [(where, found) for where, args in _everything_sent(bot) if (found := broadcasts(args))]
    assert live == []

    # The words are still there for people to read, as text.
    card_ts = _incident(bot, incident.id).card_ts
    card = next(m for m in slack.messages(channel) if m["ts"] == card_ts)
    assert "&lt;!here&gt;" in json.dumps(card["blocks"])
    announcement = slack.messages(slack.incidents_id)[0]  # type: ignore[attr-defined]
    assert "&lt;!channel&gt;" in announcement["text"]
    assert "&lt;!subteam^S123&gt;" in " ".join(shown_texts(announcement))

    # Topics and fallbacks carry no bidi override and no live token but mentions.
    topics = [a["topic"] for a in slack.calls_to("conversations.setTopic")]
    assert topics and all("\u202e" not in t and "<!" not in t for t in topics)

    # Mentions of people still work: the new IC, and a person named in a note.
    handover = _posted(bot, lambda a: "is now Incident Commander" in str(a.get("text")))
    assert {"UBOB", "UALICE"} <= user_mentions(handover)
    note_reply = next(r for r in slack.responses if "failover started" in json.dumps(r))
    assert "UCAROL" in user_mentions(note_reply)


def test_fallback_text_shows_a_disguised_link_as_text(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare_and_wait(bot, "sev3 <https://evil.example/sso|Reset your SSO> now")
    announcement = slack.messages(slack.incidents_id)[-1]  # type: ignore[attr-defined]
    assert "<https://evil.example" not in announcement["text"]
    assert "&lt;https://evil.example/sso|Reset your SSO&gt;" in announcement["text"]
    topic = slack.channel(incident.channel_id).topic  # type: ignore[arg-type,union-attr]
    assert "<https://" not in topic and "&lt;https://evil.example/sso" in topic
    card = next(
        m
        for m in slack.messages(incident.channel_id)  # type: ignore[arg-type]
        if m["ts"] == incident.card_ts
    )
    assert "<https://" not in card["text"] and "<@UALICE>" in card["text"]


def _count(bot: RunningBot, model: type) -> int:
    with bot.services.db.session() as session:
        return len(list(session.scalars(select(model.id))))  # type: ignore[attr-defined]


def _commander(bot: RunningBot, incident_id: int) -> str | None:
    with bot.services.db.session() as session:
        held = select(RoleAssignment.user_id).where(
            RoleAssignment.incident_id == incident_id,
            RoleAssignment.role == "incident_commander",
            RoleAssignment.ended_at.is_(None),
        )
        return session.scalar(held)


def _incident(bot: RunningBot, incident_id: int) -> Incident:
    with bot.services.db.session() as session:
        return session.get_one(Incident, incident_id)
