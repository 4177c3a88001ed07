"""Parsing for the timeline: note times, the reactions map, Slack message shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.workflows.slack_messages import Identity, kind_of, plain_text, record
from config import ConfigError, load_config
from config.reactions import parse_reactions
from core.errors import InvalidInput
from core.timeline import ts_time
from core.timeline_notes import parse_note

NOW = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)  # 01:30 in Berlin, 20:30 the day before in NY


def test_a_clock_time_is_the_latest_past_one_in_the_writers_zone() -> None:
    note = parse_note("at 14:05 rollback started", "Europe/Berlin", NOW)
    assert note.text == "rollback started"
    assert note.at == datetime(2026, 3, 9, 14, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    earlier = parse_note("at 01:10 alert", "Europe/Berlin", NOW)
    assert earlier.at == datetime(2026, 3, 10, 1, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    ny = parse_note("at 20:00 alert", "America/New_York", NOW)
    assert ny.at == datetime(2026, 3, 9, 20, 0, tzinfo=ZoneInfo("America/New_York"))


def test_iso_times_with_and_without_an_offset() -> None:
    local = parse_note("at 2026-03-08T09:30 error rate rose", "Asia/Tokyo", NOW)
    assert local.at == datetime(2026, 3, 8, 0, 30, tzinfo=UTC)
    spaced = parse_note("at 2026-03-08 09:30 error rate rose", "Asia/Tokyo", NOW)
    assert spaced.at == local.at and spaced.text == "error rate rose"
    offset = parse_note("at 2026-03-08T09:30+01:00 x", "Asia/Tokyo", NOW)
    assert offset.at == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)


def test_at_that_is_not_a_time_is_part_of_the_note() -> None:
    note = parse_note("at least three customers wrote in", "UTC", NOW)
    assert note.at is None and note.text == "at least three customers wrote in"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("", "needs some text"),
        ("at 14:05", "needs some text"),
        ("at 24:10 x", "not a time of day"),
        ("at 2026-02-30T10:00 x", "not a time I can read"),
        ("at 2026-03-11T10:00 x", "in the future"),
        ("x" * 3001, "keep it under"),
    ],
)
def test_bad_notes_say_what_is_wrong(args: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_note(args, "UTC", NOW)


def test_the_reactions_map_defaults_and_replacements(tmp_path) -> None:
    defaults = parse_reactions(None)
    assert defaults.meaning("pushpin") == "key_event"
    assert defaults.meaning(":white_check_mark::skin-tone-2:") == "mitigation"
    assert defaults.meaning("thumbsup") is None
    path = tmp_path / "s.yaml"
    path.write_text("reactions:\n  star: key_event\n  ':eyes:': finding\n")
    custom = load_config(path).reactions
    assert custom.meaning("star") == "key_event" and custom.meaning("eyes") == "finding"
    assert custom.meaning("pushpin") is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [({"bulb": "ideas"}, "reactions.bulb"), ({"two words": "insight"}, "reactions.two words")],
)
def test_bad_reactions_map_names_the_key(raw: dict, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_reactions(raw)
    assert error.value.key == key


def test_message_shapes() -> None:
    assert kind_of({"ts": "1.0", "text": "hi", "user": "U1"}) == "message"
    assert kind_of({"ts": "2.0", "thread_ts": "1.0", "user": "U1"}) == "reply"
    assert kind_of({"ts": "1.0", "thread_ts": "1.0", "user": "U1"}) == "message"  # a parent
    assert kind_of({"ts": "3.0", "subtype": "file_share", "files": [{}]}) == "file"
    assert kind_of({"ts": "4.0", "subtype": "bot_message", "bot_id": "B1"}) == "bot_message"
    assert kind_of({"ts": "4.5", "bot_id": "B1", "user": "U9"}) == "bot_message"
    assert kind_of({"ts": "5.0", "subtype": "channel_join"}) == "join"
    assert kind_of({"ts": "6.0", "subtype": "group_leave"}) == "leave"
    assert kind_of({"ts": "7.0", "subtype": "channel_topic"}) is None
    edited = record("C1", {"ts": "8.5", "text": "v2", "user": "U1", "edited": {"ts": "9.25"}})
    assert edited is not None and edited.edited_at == ts_time("9.25")
    assert Identity("UBOT", "B0").wrote({"bot_id": "B0"})
    assert not Identity("UBOT", "B0").wrote({"bot_id": "B1", "user": "U1"})


def test_slack_text_made_readable() -> None:
    text = "<@U1> see <https://x.io/a|the graph> in <#C1|ops> &amp; <!here> 1 &lt; 2"
    assert (
        plain_text(text, {"U1": "Bob"})
        == "@Bob see the graph (https://x.io/a) in #ops & @here 1 < 2"
    )
    assert ts_time("1355517523.000005") == datetime(2012, 12, 14, 20, 38, 43, 5, tzinfo=UTC)
