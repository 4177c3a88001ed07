"""``/incident action add`` text: options peeled off the end, in any order."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands.actions import split_add
from config import ConfigError, load_config
from core.action_items import parse_id
from core.errors import InvalidInput

TODAY = date(2026, 11, 25)  # a Wednesday


def test_text_owner_due_and_priority() -> None:
    request = split_add("Add pool alerts <@UBOB|bob> due friday priority p1", TODAY)
    assert (request.text, request.owner, request.due, request.priority) == (
        "Add pool alerts",
        "<@UBOB|bob>",
        date(2026, 11, 27),
        "p1",
    )


def test_options_in_another_order_and_plain_mentions() -> None:
    request = split_add("Write runbook due in 2w @bob p3", TODAY)
    assert (request.text, request.owner, request.due, request.priority) == (
        "Write runbook",
        "@bob",
        date(2026, 12, 9),
        "p3",
    )


def test_due_inside_the_text_stays_text() -> None:
    request = split_add("Explain why invoices fell due to the outage", TODAY)
    assert request.text == "Explain why invoices fell due to the outage"
    assert request.due is None and request.owner is None and request.priority == "p2"


def test_a_past_due_date_is_refused() -> None:
    with pytest.raises(InvalidInput, match="already passed"):
        split_add("Fix it due yesterday", TODAY)


def test_ids() -> None:
    assert parse_id("12") == parse_id("#12") == parse_id("AI-12") == parse_id("ai12") == 12
    with pytest.raises(InvalidInput, match="not an action item id"):
        parse_id("twelve")


def test_action_items_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "sitrep.yaml"
    config.write_text(
        "action_items:\n  digest_day: fri\n  digest_time: '16:30'\n"
        "  teams: {payments: [UALICE, UBOB]}\n"
    )
    loaded = load_config(config).action_items
    assert loaded.digest_weekday == 4 and loaded.digest_time.hour == 16
    assert loaded.team_of("UBOB") == "payments" and loaded.team_of("UDAN") == ""
    assert load_config(None).action_items.escalate_after_days == 7
    config.write_text("action_items:\n  digest_time: '25:00'\n")
    with pytest.raises(ConfigError, match="action_items.digest_time"):
        load_config(config)
