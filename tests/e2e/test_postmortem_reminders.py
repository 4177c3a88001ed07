"""Postmortem deadlines after a resolve: the IC is reminded in the channel and by DM, once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from scheduler import registry
from storage.models import SentReminder
from tests.e2e.lifecycle_helpers import declare
from tests.e2e.postmortem_helpers import blocks_text, command, published, versions
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def reminders_in(messages: list[dict[str, Any]], stage: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("text", "").startswith(f"Postmortem {stage} due")]


def sent(bot: RunningBot) -> list[str]:
    with bot.services.db.session() as session:
        return sorted(
            session.scalars(select(SentReminder.key).where(SentReminder.kind == "postmortem"))
        )


@pytest.mark.parametrize("bot_config", [{"postmortem": {"draft_due": "1s", "final_due": "2s"}}])
def test_draft_and_final_reminders_reach_the_ic_once_each(bot: RunningBot) -> None:
    incident = declare(bot)
    command(bot, incident, "resolve Rolled back")
    channel = incident.channel_id or ""
    slack = bot.emulator
    wait_for(lambda: reminders_in(slack.messages(channel), "final"), timeout=30)
    wait_for(lambda: reminders_in(slack.dms("UALICE"), "final"), timeout=30)  # the DM follows
    in_channel = slack.messages(channel)
    assert len(reminders_in(in_channel, "draft")) == 1
    assert len(reminders_in(in_channel, "final")) == 1
    draft = blocks_text(reminders_in(in_channel, "draft")[0])
    assert "<@UALICE>" in draft and "/incident postmortem" in draft
    dms = slack.dms("UALICE")
    assert len(reminders_in(dms, "draft")) == 1 and len(reminders_in(dms, "final")) == 1
    keys = wait_for(lambda: len(sent(bot)) == 2 and sent(bot), timeout=30)  # committed after send
    assert [k.split(":")[0] for k in keys] == ["draft", "final"]

    # Running the job again, as a restart or `sitrep jobs run` might, sends nothing more.
    stage, due = keys[0].split(":", 1)
    assert registry.run_task("postmortem.remind", incident.id, stage, due) == "already sent"
    assert len(reminders_in(slack.messages(channel), "draft")) == 1


@pytest.mark.parametrize(
    "bot_config",
    [{"postmortem": {"auto_on_resolve": True, "draft_due": "1s", "final_due": "1h"}}],
)
def test_auto_draft_on_resolve_skips_the_draft_reminder_and_done_cancels_the_final(
    bot: RunningBot,
) -> None:
    incident = declare(bot)
    command(bot, incident, "resolve Rolled back")
    row = published(bot, incident.id)
    assert row.canvas_id and row.created_by == "UALICE"
    scheduler = bot.services.scheduler
    wait_for(lambda: scheduler.aps.get_job(f"postmortem-final-{incident.id}"), timeout=30)
    wait_for(lambda: scheduler.aps.get_job(f"postmortem-draft-{incident.id}") is None, timeout=30)
    assert reminders_in(bot.emulator.messages(incident.channel_id or ""), "draft") == []
    assert sent(bot) == []

    command(bot, incident, "postmortem done")
    wait_for(lambda: [r for r in versions(bot, incident.id) if r.status == "final"], timeout=30)
    wait_for(lambda: scheduler.aps.get_job(f"postmortem-final-{incident.id}") is None, timeout=30)


@pytest.mark.parametrize("bot_config", [{"postmortem": {"draft_due": "1h", "final_due": "2h"}}])
def test_reopening_cancels_the_deadlines(bot: RunningBot) -> None:
    incident = declare(bot)
    command(bot, incident, "resolve Rolled back")
    scheduler = bot.services.scheduler
    # Both deadlines are scheduled by the resolve's own work: wait for all of it.
    wait_for(lambda: scheduler.aps.get_job(f"postmortem-draft-{incident.id}"), timeout=30)
    wait_for(lambda: scheduler.aps.get_job(f"postmortem-final-{incident.id}"), timeout=30)
    command(bot, incident, "reopen investigating Errors are back")
    wait_for(lambda: scheduler.aps.get_job(f"postmortem-draft-{incident.id}") is None, timeout=30)
    assert scheduler.aps.get_job(f"postmortem-final-{incident.id}") is None
