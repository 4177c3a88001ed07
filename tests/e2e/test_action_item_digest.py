"""Action-item DMs under pressure: racing runs, hand-overs, and one message per person per run."""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.test_action_items import add, declare, deliveries, run_scheduled
from tests.support.harness import RunningBot
from tests.support.process import REPO, child_env, sitrep_argv
from tests.support.waiting import wait_for


@pytest.fixture
def bot_config() -> dict:
    # Monday 00:00 means this week's digest is always due, whatever day the tests run.
    return {"action_items": {"digest_day": "monday", "digest_time": "00:00"}}


def test_a_manual_run_racing_the_scheduled_run_sends_each_dm_once(
    bot: RunningBot, bot_env: dict[str, str]
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    add(bot, incident, "Review the alert thresholds @bob")
    # `sitrep jobs run action-item-digest` by hand; Slack is slow to take its DM...
    slack.delay("chat.postMessage", seconds=4, count=1)
    manual = subprocess.Popen(
        sitrep_argv("jobs", "run", "action-item-digest"),
        env=child_env(bot_env),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: [c for c in slack.calls_to("chat.postMessage") if "metadata" in c], 30)
        # ...and meanwhile the leader's scheduled run comes round.
        scheduled = run_scheduled(bot)
    finally:
        output, errors = manual.communicate(timeout=60)
    assert manual.returncode == 0, errors
    assert "sent digest 1" in output and "sent nothing" in scheduled
    assert len(slack.dms("UBOB")) == 1
    assert [(d.user_id, d.kind, d.status) for d in deliveries(bot)] == [("UBOB", "digest", "sent")]
