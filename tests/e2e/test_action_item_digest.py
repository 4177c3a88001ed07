"""Action-item DMs under pressure: racing runs, hand-overs, and one message per person per run."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.test_action_items import add, declare, deliveries, item, run_scheduled
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


def test_the_new_owner_hears_of_a_reassigned_item_and_who_handed_it_over(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot)  # alice declares: she is IC
    handed = add(bot, incident, "Tune the pool size @bob due in 2w")

    # By command: the IC gives bob's item to carol.
    bot.command(f"action reassign {handed.id} <@UCAROL|carol>", channel=slack.general_id)
    told = wait_for(lambda: slack.dms("UCAROL"))
    assert len(told) == 1
    text = json.dumps(told[0]["blocks"])
    assert "Tune the pool size" in text and f"AI-{handed.id}" in text
    assert "<@UALICE> handed you" in text and "<@UBOB>" in text  # who, and from whom
    assert "INC-1" in text

    # From the digest DM's Reassign button: carol hands it on to dan.
    run_scheduled(bot)
    dm = slack.dms("UCAROL")[-1]
    (digest,) = [d for d in deliveries(bot) if d.user_id == "UCAROL"]
    value = json.dumps({"id": handed.id, "kind": "digest"})
    click = slack.block_actions_payload(
        "UCAROL", digest.channel_id, dm["ts"], "action_item_reassign", value
    )
    views = len(slack.views)
    assert bot.sender.interactive(click).status_code == 200
    opened = wait_for(lambda: slack.views[views:] and slack.views[-1])
    values = {"owner": {"value": {"type": "users_select", "selected_user": "UDAN"}}}
    bot.sender.interactive(slack.view_submission_payload(opened["id"], "UCAROL", values))
    told = wait_for(lambda: slack.dms("UDAN"))
    assert "<@UCAROL> handed you" in json.dumps(told[0]["blocks"])

    # Taking an item yourself needs no DM.
    bot.command(f"action reassign {handed.id} <@UALICE|alice>", channel=slack.general_id)
    wait_for(lambda: item(bot, handed.id).owner_id == "UALICE")
    assert slack.dms("UALICE") == [] and len(slack.dms("UDAN")) == 1
