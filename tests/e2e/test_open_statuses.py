""""Open" means what the configured statuses say, everywhere it is asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

import cli
from config.lifecycle import parse_statuses
from core import incidents
from storage.models import Incident
from tests.e2e.lifecycle_helpers import declare, reload, run
from tests.support.harness import TEAM_ID, RunningBot
from tests.support.waiting import wait_for

RENAMED = {"statuses": {"active": ["triage", "fixing"], "resolved": "fixed", "closed": "done"}}
STATUSES = parse_statuses(RENAMED["statuses"])
EXPORT = (
    Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "slack-export"
) / "testarchive.zip"


def home(bot: RunningBot, user: str) -> str:
    before = bot.emulator.home_views.get(user)
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    assert bot.sender.event(event).status_code == 200
    view = wait_for(lambda: (v := bot.emulator.home_views.get(user)) is not before and v)
    return json.dumps(view["blocks"])


def section_after(blocks: str, header: str) -> str:
    return blocks.split(header, 1)[1].split('"header"', 1)[0]


@pytest.mark.parametrize("bot_config", [RENAMED])
def test_renamed_statuses_decide_what_is_open_on_app_home_and_in_the_list(
    bot: RunningBot,
) -> None:
    still_open = declare(bot, "sev2 Search is slow")
    fixed = declare(bot, "sev2 Checkout API returning 500s")
    run(bot, fixed, "resolve Rolled back")
    wait_for(lambda: reload(bot, fixed.id).status == "fixed")

    blocks = home(bot, "UALICE")
    open_now = section_after(blocks, "Open incidents you are in")
    recent = section_after(blocks, "Your recent incidents")
    assert "INC-1" in open_now and "INC-2" not in open_now
    assert "INC-2" in recent and "INC-1" not in recent

    before = len(bot.emulator.responses)
    bot.command("list", channel=still_open.channel_id)
    listed = wait_for(lambda: bot.emulator.responses[before:])[0]
    assert "INC-1" in json.dumps(listed) and "INC-2" not in json.dumps(listed)


@pytest.mark.parametrize("bot_config", [RENAMED])
def test_an_imported_channel_is_closed_under_the_configured_name(
    bot: RunningBot, bot_env: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not EXPORT.is_file():
        pytest.skip("the shared Slack export (../shared/fixtures/slack-export) is not here")
    for key, value in bot_env.items():
        monkeypatch.setenv(key, value)
    code = cli.main(
        ["import", "slack-export", str(EXPORT), "--channel", "enrique", "--team", TEAM_ID]
    )
    assert code == 0
    with bot.services.db.session() as session:
        assert session.scalars(select(Incident.status)).one() == "done"
        assert incidents.list_open(session, TEAM_ID, STATUSES) == []
