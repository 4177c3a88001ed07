"""Similar incidents and pattern notices at declare time, ``/incident similar`` and ``tag``."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from storage.models import Incident, SentReminder, TimelineEvent
from tests.analytics.history import Past, declare, declare_in_form, record
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


@pytest.fixture
def bot_config() -> dict:
    return {"analytics": {"pattern_threshold": 3}}


def posts(bot: RunningBot, channel_id: str, needle: str) -> list[dict]:
    return [
        m
        for m in bot.emulator.messages(channel_id)
        if needle in m.get("text", "") + json.dumps(m.get("blocks", []))
    ]


def reply(bot: RunningBot, text: str, **kwargs: str) -> str:
    slack = bot.emulator
    before = len(slack.responses)
    bot.command(text, **kwargs)
    answer = wait_for(lambda: slack.responses[before:])[0]
    return answer["text"] + json.dumps(answer.get("blocks", []))


def test_a_new_incident_hears_what_fixed_the_same_symptom_before(bot: RunningBot) -> None:
    past = declare(bot, "sev2 Checkout API timeouts from connection pool exhaustion")
    record(
        bot,
        past.id,
        Past(
            summary="Doubled the checkout connection pool and added a circuit breaker",
            open_items=["Alert when the pool is 80% used", "Load test checkout before sales"],
            done_items=["Double the pool"],
            postmortem="The pool was too small for the sale traffic.",
        ),
    )
    unrelated = declare(bot, "sev3 Marketing emails have a broken logo")
    record(bot, unrelated.id, Past(summary="Fixed the image URL"))

    new = declare(bot, "sev1 Checkout timeouts, connection pool exhausted again")
    shown = wait_for(lambda: posts(bot, new.channel_id, "This has happened before"))[0]
    text = json.dumps(shown["blocks"])
    assert "INC-1" in text and "INC-2" not in text
    assert "INC-1* had the same symptom" in text
    assert "2 of its action items are still open" in text
    assert "Alert when the pool is 80% used" in text
    assert "Doubled the checkout connection pool" in text
    assert "Postmortem v1" in text

    # Asked for in the channel, the answer is the same, privately.
    asked = reply(bot, "similar", channel=new.channel_id, user="UBOB")
    assert "Past incidents like INC-3" in asked and "INC-1" in asked
    # Or described in words, from anywhere.
    described = reply(bot, "similar broken logo in emails")
    assert "INC-2" in described
    outside = reply(bot, "similar")
    assert "incident channel" in outside


def test_private_past_incidents_are_never_posted_at_declare(bot: RunningBot) -> None:
    secret = declare_in_form(bot, "Ledger service deadlock on month end", private=True)
    record(bot, secret.id, Past(summary="Killed the long transaction"))
    new = declare(bot, "sev2 Ledger service deadlock on month end again")
    # The follow-on work runs right after the declarer's answer; give it a moment.
    time.sleep(0.5)
    assert posts(bot, new.channel_id, "This has happened before") == []
    assert posts(bot, new.channel_id, "Killed the long transaction") == []
    # Its member still sees it when asking.
    assert "INC-1" in reply(bot, "similar", channel=new.channel_id, user="UALICE")
    assert "INC-1" not in reply(bot, "similar", channel=new.channel_id, user="UCAROL")


def test_the_third_incident_on_a_service_this_month_gets_a_pattern_notice(
    bot: RunningBot,
) -> None:
    declare_in_form(bot, "Replica lag", services="database, search")
    second = declare_in_form(bot, "Slow queries on orders", services="database")
    assert posts(bot, second.channel_id, "Pattern") == []
    third = declare_in_form(bot, "Disk full on primary", services="database, storage")
    notice = wait_for(lambda: posts(bot, third.channel_id, "Pattern"))[0]
    assert "3rd incident involving `database`" in notice["text"]
    assert "Earlier: INC-1, INC-2" in notice["text"]
    assert "storage" not in notice["text"]

    # Tagging the root cause completes another pattern; each is posted once.
    for number in (1, 2):
        assert "root cause `capacity`" in reply(bot, f"tag INC-{number} cause:capacity pool")
    tagged = reply(bot, "tag cause:capacity disk", channel=third.channel_id)
    assert "root cause `capacity`" in tagged and "`disk`" in tagged
    category = wait_for(lambda: posts(bot, third.channel_id, "root cause `capacity`"))
    assert "3rd incident with root cause `capacity`" in category[0]["text"]
    reply(bot, "tag cause:capacity", channel=third.channel_id)
    assert len(posts(bot, third.channel_id, "Pattern")) == 2
    with bot.services.db.session() as session:
        keys = session.scalars(select(SentReminder.key).where(SentReminder.kind == "pattern"))
        assert sorted(k.split(":")[0] for k in keys) == ["category", "service"]


def test_tag_sets_category_and_tags_and_refuses_bad_input(bot: RunningBot) -> None:
    incident = declare(bot, "sev2 Login errors")
    here = {"channel": incident.channel_id}
    assert "Root cause: not set" in reply(bot, "tag", **here)
    assert "root cause `dependency`" in reply(bot, "tag cause:dependency idp sso", **here)
    assert "`sso`" not in reply(bot, "tag -sso", **here)
    refused = reply(bot, "tag cause:gremlins", **here)
    assert "`gremlins` is not a root-cause category" in refused and "`capacity`" in refused
    assert "is not a tag" in reply(bot, "tag bad/tag", **here)
    assert "works inside an incident channel" in reply(bot, "tag cause:data")
    assert "no incident INC-99" in reply(bot, "tag INC-99 cause:data")
    with bot.services.db.session() as session:
        row = session.get_one(Incident, incident.id)
        assert (row.root_cause_category, row.tags) == ("dependency", ["idp"])
        events = session.scalars(
            select(TimelineEvent.data).where(TimelineEvent.incident_id == incident.id)
        ).all()
        assert [e["action"] for e in events if e["action"] == "tagged"] == ["tagged", "tagged"]
    # The category and tags are searchable.
    assert "INC-1" in reply(bot, "search idp")
