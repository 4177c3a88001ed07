"""Commands that could take a work thread for long are bounded, over signed HTTP.

A per-person allowance for the expensive ones, one sync per incident at a
time and a cap on what one sync reads, a cap on the ``timeline all`` file, and
a plain ``@name`` resolved from a directory instead of a full read of the
member list on every command.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.commands import timeline as timeline_command
from storage.models import ActionItem, Incident, RoleAssignment, TimelineEvent
from tests.support import slack_events as ev
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

LIMITED = "try again in about"


def said(bot: RunningBot, url: str) -> list[dict[str, Any]]:
    return [r for r in bot.emulator.responses if r.get("url") == url]


def reply(bot: RunningBot, url: str) -> dict[str, Any]:
    return wait_for(lambda: said(bot, url), timeout=20)[-1]


def command(bot: RunningBot, text: str, **kwargs: Any) -> tuple[Any, str]:
    """Send a command with its own response URL; returns the ack and that URL."""
    url = bot.emulator.response_url()
    return bot.command(text, response_url=url, **kwargs), url


# ----- the allowance ---------------------------------------------------------------


class TestAllowance:
    @pytest.fixture
    def bot_config(self) -> dict:
        return {"server": {"expensive_commands_per_minute": 2}}

    def test_a_person_over_their_allowance_is_asked_to_wait_and_nothing_runs(
        self, bot: RunningBot
    ) -> None:
        first, first_url = command(bot, "search checkout")
        second, second_url = command(bot, "search checkout")
        assert not first.content and not second.content
        reply(bot, first_url)
        reply(bot, second_url)

        third, third_url = command(bot, "search checkout")
        answer = third.json()
        assert answer["response_type"] == "ephemeral"
        assert "`/incident search`" in answer["text"] and LIMITED in answer["text"]
        assert bot.surface.pool.wait_idle(timeout=30)
        assert said(bot, third_url) == []  # refused in the acknowledgement; no search ran

        # Cheap commands are not counted, and the allowance is each person's own.
        listing, listing_url = command(bot, "list")
        assert not listing.content
        reply(bot, listing_url)
        other, other_url = command(bot, "stats", user="UBOB")
        assert not other.content
        reply(bot, other_url)

    def test_only_timeline_all_counts_not_a_page_of_it(self, bot: RunningBot) -> None:
        incident = declare_and_wait(bot, "sev3 Counting pages")
        for _ in range(3):
            page, url = command(bot, "timeline", channel=incident.channel_id)
            assert not page.content
            reply(bot, url)
        for _ in range(2):
            assert not command(bot, "timeline all", channel=incident.channel_id)[0].content
        refused = command(bot, "timeline all", channel=incident.channel_id)[0]
        assert LIMITED in refused.json()["text"]
        assert bot.surface.pool.wait_idle(timeout=30)


# ----- sync ------------------------------------------------------------------------


def test_a_second_sync_of_the_same_incident_waits_for_the_first(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare_and_wait(bot, "sev3 Syncing twice")
    slack.post_as_user(incident.channel_id, "UCAROL", "missed while away")
    slack.delay("conversations.history", 5.0, count=1)
    reading = len(slack.calls_to("conversations.history"))

    _, alice_url = command(bot, "sync", channel=incident.channel_id)
    wait_for(lambda: len(slack.calls_to("conversations.history")) > reading)  # it holds the lock
    _, bob_url = command(bot, "sync", user="UBOB", channel=incident.channel_id)

    assert "already reading the channel" in reply(bot, bob_url)["text"]
    assert "1 new" in reply(bot, alice_url)["text"]
    assert len(slack.calls_to("conversations.history")) == reading + 1

    # Once the first is done, a sync may run again.
    _, again_url = command(bot, "sync", user="UBOB", channel=incident.channel_id)
    assert "already had everything" in reply(bot, again_url)["text"]


def test_one_sync_reads_only_the_newest_messages_up_to_its_cap(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline_command, "SYNC_MAX_MESSAGES", 10)
    slack = bot.emulator
    incident = declare_and_wait(bot, "sev3 A long channel")
    for n in range(25):
        slack.post_as_user(incident.channel_id, "UCAROL", f"missed message {n}")

    _, url = command(bot, "sync", channel=incident.channel_id)
    answer = reply(bot, url)["text"]
    assert "only the newest 10 messages" in answer

    with bot.services.db.session() as session:
        texts = set(
            session.scalars(
                select(TimelineEvent.text).where(
                    TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "message"
                )
            )
        )
    assert "missed message 24" in texts and "missed message 20" in texts
    assert "missed message 0" not in texts
    assert len([t for t in texts if t.startswith("missed message")]) <= 10


# ----- timeline all ----------------------------------------------------------------


def test_timeline_all_puts_at_most_the_cap_in_the_file_and_says_so(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline_command, "LOG_MAX_ENTRIES", 3)
    incident = declare_and_wait(bot, "sev3 A long timeline")
    clock = ev.Clock()
    for n in range(5):
        bot.sender.event(ev.message(incident.channel_id, "UCAROL", f"entry {n}", clock.next()))
    wait_for(lambda: len(entries(bot, incident)) >= 6)

    _, url = command(bot, "timeline all", user="UBOB", channel=incident.channel_id)
    assert "the first 3 of" in reply(bot, url)["text"]
    files = [f for f in bot.emulator.files if f["name"] == "inc-1-timeline.md"]
    content = files[-1]["content"].decode()
    assert content.count("\n- **") == 3
    assert "entry 4" not in content
    dm = json.dumps(bot.emulator.dms("UBOB"))
    assert "the first 3 of" in dm


def entries(bot: RunningBot, incident: Incident) -> list[TimelineEvent]:
    with bot.services.db.session() as session:
        return list(
            session.scalars(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id))
        )


# ----- plain @names ----------------------------------------------------------------


def test_plain_names_come_from_the_directory_not_a_read_of_every_member(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare_and_wait(bot, "sev3 Naming people")
    before = len(slack.calls_to("users.list"))

    for text, owner in (("Write the runbook @carol", "UCAROL"), ("Check the budget @dan", "UDAN")):
        command(bot, f"action add {text}", channel=incident.channel_id)
        wait_for(lambda owner=owner: owner in owners(bot))
    _, url = command(bot, "action add Page the owner @nobody", channel=incident.channel_id)
    assert "Nobody called `@nobody`" in reply(bot, url)["text"]
    command(bot, "role comms dan", user="UALICE", channel=incident.channel_id)
    wait_for(lambda: ("comms_lead", "UDAN") in holders(bot))  # a plain name, without the @

    assert len(slack.calls_to("users.list")) == before + 1  # one page, read once


def owners(bot: RunningBot) -> set[str]:
    with bot.services.db.session() as session:
        return set(session.scalars(select(ActionItem.owner_id)))


def holders(bot: RunningBot) -> set[tuple[str, str]]:
    with bot.services.db.session() as session:
        return {(r.role, r.user_id) for r in session.scalars(select(RoleAssignment))}
