"""``/incident search`` over signed HTTP: ranking, what a result shows, private incidents."""

from __future__ import annotations

import json

from slack_sdk import WebClient
from sqlalchemy import select

from storage.models import TimelineEvent
from tests.analytics.history import Past, declare, declare_in_form, record
from tests.support.harness import BOT_TOKEN, RunningBot
from tests.support.waiting import wait_for


def search(bot: RunningBot, words: str, user: str = "UALICE") -> dict:
    slack = bot.emulator
    before = len(slack.responses)
    bot.command(f"search {words}", user=user)
    return wait_for(lambda: slack.responses[before:])[0]


def text_of(response: dict) -> str:
    return json.dumps(response.get("blocks", []), ensure_ascii=False) + response.get("text", "")


def test_search_ranks_title_matches_first_and_shows_the_outcome(bot: RunningBot) -> None:
    db_incident = declare(bot, "sev1 Database timeouts on checkout")
    record(
        bot,
        db_incident.id,
        Past(
            summary="Raised the connection pool size and restarted the API pods",
            messages=[("UBOB", "seeing connection pool exhausted errors on the primary")],
            open_items=["Alert on pool saturation", "Load test checkout"],
            done_items=["Raise pool size"],
            postmortem="## Root cause\nThe pool was sized for last year's traffic.",
        ),
    )
    other = declare(bot, "sev3 Search results slow")
    record(
        bot,
        other.id,
        Past(messages=[("UCAROL", "the database replica lag makes search slow")]),
    )
    declare(bot, "sev4 Typo on the pricing page")

    found = search(bot, "database")
    assert found["response_type"] == "ephemeral"
    shown = text_of(found)
    # Both mention the database; the one with it in the title ranks first.
    assert shown.index("INC-1") < shown.index("INC-2")
    assert "INC-3" not in shown
    assert "SEV1" in shown and "Raised the connection pool size" in shown
    assert "2 open action items" in shown and "Alert on pool saturation" in shown
    assert "Postmortem v1" in shown

    # Timeline text and postmortems are searched too, with the words in bold.
    timeline = text_of(search(bot, '"pool exhausted"'))
    assert "INC-1" in timeline and "*pool* *exhausted*" in timeline
    assert "INC-1" in text_of(search(bot, "sized last year"))
    # Excluding a word and alternatives behave as on a search engine.
    assert "INC-2" not in text_of(search(bot, "database -search"))
    either = text_of(search(bot, "typo OR replica"))
    assert "INC-3" in either and "INC-2" in either


def test_messages_captured_from_slack_are_searchable(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev2 Payments failing")
    text = "Stripe webhook signature mismatch after the key rotation"
    ts = slack.post_as_user(incident.channel_id, "UBOB", text)
    bot.sender.event(
        {
            "type": "message",
            "channel": incident.channel_id,
            "user": "UBOB",
            "text": text,
            "ts": ts,
            "channel_type": "channel",
        }
    )

    def captured() -> bool:
        with bot.services.db.session() as session:
            return (
                session.scalar(select(TimelineEvent.id).where(TimelineEvent.ts == ts)) is not None
            )

    wait_for(captured)
    assert "INC-1" in text_of(search(bot, "webhook rotation"))


def test_private_incidents_are_found_only_by_their_members(bot: RunningBot) -> None:
    secret = declare_in_form(
        bot, "Payroll export leaking salaries", severity="SEV1", private=True, user="UALICE"
    )
    record(bot, secret.id, Past(messages=[("UALICE", "salaries visible in the export bucket")]))
    declare(bot, "sev3 Salaries report slow to load", user="UBOB")

    member = text_of(search(bot, "salaries", user="UALICE"))
    assert "INC-1" in member and "Payroll export" in member and "private" in member

    outsider = text_of(search(bot, "salaries", user="UCAROL"))
    assert "INC-2" in outsider
    assert "INC-1" not in outsider and "Payroll" not in outsider and "bucket" not in outsider

    # Being invited to the channel is what makes someone a member.
    bot.emulator.add_user("UERIN", name="erin", real_name="Erin E")
    assert "INC-1" not in text_of(search(bot, "payroll", user="UERIN"))
    WebClient(base_url=bot.emulator.api_url, token=BOT_TOKEN).conversations_invite(
        channel=secret.channel_id, users="UERIN"
    )
    assert "INC-1" in text_of(search(bot, "payroll", user="UERIN"))


def test_empty_or_wordless_searches_say_how_to_search(bot: RunningBot) -> None:
    for words in ("", "!!! ---", '"" OR'):
        answer = search(bot, words)
        assert "Tell me what to look for" in answer["text"], answer
    for words in ("kubernetes", 'NEAR(a b) AND c* "unclosed', "col:umn {x} ^y"):
        assert "No incidents match" in text_of(search(bot, words))
