"""``/incident note``, ``/incident timeline [page|all]`` over signed HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import TimelineEvent
from tests.e2e.test_timeline_capture import declare, processed
from tests.support import slack_events as ev
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def answer(bot: RunningBot, contains: str) -> dict[str, Any]:
    found = wait_for(lambda: [r for r in bot.emulator.responses if contains in json.dumps(r)])
    assert found[-1]["response_type"] == "ephemeral"
    return found[-1]


def notes(bot: RunningBot) -> list[TimelineEvent]:
    with bot.services.db.session() as session:
        return list(
            session.scalars(
                select(TimelineEvent).where(TimelineEvent.kind == "note").order_by(TimelineEvent.id)
            )
        )


def test_notes_now_and_back_dated_in_the_writers_time_zone(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    berlin = ZoneInfo("Europe/Berlin")  # UBOB's zone in the emulated workspace
    bot.command("note Rolled back the deploy", user="UBOB", channel=channel)
    answer(bot, "Rolled back the deploy")
    bot.command("note at 00:01 First alert fired", user="UBOB", channel=channel)
    answer(bot, "First alert fired")
    day = (datetime.now(berlin) - timedelta(days=2)).date()
    bot.command(f"note at {day.isoformat()}T09:30 Error rate rose", user="UBOB", channel=channel)
    answer(bot, "Error rate rose")
    bot.command("note at least three customers wrote in", user="UBOB", channel=channel)
    answer(bot, "at least three customers")

    rows = notes(bot)
    assert [r.text for r in rows] == [
        "Rolled back the deploy",
        "First alert fired",
        "Error rate rose",
        "at least three customers wrote in",
    ]
    assert all(r.is_key and r.user_id == "UBOB" for r in rows)
    now = datetime.now(UTC)
    assert now - rows[0].occurred_at < timedelta(minutes=1)
    local = rows[1].occurred_at.astimezone(berlin)
    assert (local.hour, local.minute) == (0, 1) and rows[1].occurred_at <= now
    assert now - rows[1].occurred_at < timedelta(days=1)
    assert rows[2].occurred_at == datetime(day.year, day.month, day.day, 9, 30, tzinfo=berlin)
    assert rows[1].data["backdated"] and not rows[3].data["backdated"]


def test_bad_notes_get_a_clear_answer_and_store_nothing(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    bot.command("note", user="UBOB", channel=channel)
    answer(bot, "A note needs some text")
    bot.command("note at 25:99 something", user="UBOB", channel=channel)
    answer(bot, "is not a time of day")
    bot.command("note at 2099-01-01T10:00 from the future", user="UBOB", channel=channel)
    answer(bot, "is in the future")
    bot.command("note at 2026-13-45T10:00 nonsense", user="UBOB", channel=channel)
    answer(bot, "is not a time I can read")
    bot.command("note somewhere else", user="UBOB", channel=bot.emulator.general_id)  # type: ignore[attr-defined]
    answer(bot, "works inside an incident channel")
    assert notes(bot) == []


def test_timeline_pages_key_events_within_block_kit_limits(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    before = processed(bot)  # the declarer's join, which Slack sent after the invite
    clock = ev.Clock()
    said = [ev.message(channel, "UCAROL", f"finding {i}", clock.next()) for i in range(25)]
    for message in said:
        bot.sender.event(message)
        bot.sender.event(ev.reaction(True, "UBOB", "pushpin", message, clock.next(1)))
    bot.sender.event(ev.message(channel, "UDAN", "chatter, not key", clock.next()))
    wait_for(lambda: processed(bot) == before + 51)

    bot.command("timeline", user="UBOB", channel=channel)
    first = answer(bot, "page 1 of 2")
    assert len(first["blocks"]) <= 50
    sections = [b for b in first["blocks"] if b["type"] == "section"]
    assert len(sections) == 20
    shown = json.dumps(first["blocks"])
    assert "finding 0" in shown and "finding 19" in shown and "chatter" not in shown
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)

    bot.command("timeline 2", user="UBOB", channel=channel)
    second = json.dumps(answer(bot, "page 2 of 2")["blocks"])
    assert "finding 24" in second and "finding 0" not in second
    assert "Declared" in second  # Sitrep's system events are key events too

    bot.command("timeline 3", user="UBOB", channel=channel)
    answer(bot, "ask for a page from 1 to 2")
    bot.command("timeline everything", user="UBOB", channel=channel)
    answer(bot, "is not a page number")


def test_timeline_all_sends_the_full_log_as_a_file(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    before = processed(bot)
    clock = ev.Clock()
    kept = ev.message(channel, "UCAROL", "db pool at 100%", clock.next())
    gone = ev.message(channel, "UDAN", "oops wrong channel", clock.next())
    for event in (kept, gone, ev.changed(kept, "db pool at 100% (primary)", clock.next())):
        bot.sender.event(event)
    bot.sender.event(ev.deleted(gone, clock.next()))
    wait_for(lambda: processed(bot) == before + 4)

    bot.command("timeline all", user="UBOB", channel=channel)
    answer(bot, "sent you the full INC-1 timeline")
    files = [f for f in bot.emulator.files if f["name"] == "inc-1-timeline.md"]
    assert len(files) == 1
    dm = bot.emulator.dms("UBOB")
    assert files[0]["channels"] and dm and dm[-1]["files"][0]["id"] == files[0]["id"]
    content = files[0]["content"].decode()
    assert "# INC-1: Checkout API returning 500s" in content
    assert "Carol Chen" in content and "db pool at 100% (primary)" in content
    assert "(edited" in content and "*deleted" in content
    assert "oops wrong channel" not in content
