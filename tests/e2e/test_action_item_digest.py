"""Action-item DMs under pressure: racing runs, hand-overs, and one message per person per run."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

import pytest

from bot.slack_client import make_client
from bot.workflows.action_digest import METADATA_EVENT
from core.due_dates import today_in
from core.nudges import week_key
from storage.models import ActionItem, DigestDelivery
from tests.e2e.test_action_items import add, declare, deliveries, item, listed, run_scheduled
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


def set_due(bot: RunningBot, item_id: int, due: date | None) -> None:
    with bot.services.db.session() as session:
        session.get_one(ActionItem, item_id).due_date = due


def test_one_dm_for_an_owner_whose_item_is_due_soon_on_digest_day_and_one_digest_a_week(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    friday = add(bot, incident, "Patch the pool driver @bob")
    later = add(bot, incident, "Write the runbook @bob")
    set_due(bot, friday.id, today_in("Europe/Berlin") + timedelta(days=1))  # bob's clock

    assert "sent digest 1" in run_scheduled(bot)
    (dm,) = slack.dms("UBOB")  # the digest and the due-soon nudge, as one message
    assert listed(dm) == [f"ai:{friday.id}", f"ai:{later.id}"]
    shown = json.dumps(dm["blocks"])
    assert shown.index("*Due soon*") < shown.index(f"ai:{friday.id}")
    assert shown.index("*The rest*") < shown.index(f"ai:{later.id}")
    recorded = sorted((d.kind, d.status, d.ts) for d in deliveries(bot))
    assert recorded == [("digest", "sent", dm["ts"]), ("due-soon", "sent", dm["ts"])]

    # Later runs in the same week send nothing: not the digest, not the nudge it stood in for.
    assert "sent nothing" in run_scheduled(bot)
    assert len(slack.dms("UBOB")) == 1


def test_between_digests_a_lone_nudge_goes_as_it_is_and_several_go_as_one(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    first = add(bot, incident, "Patch the pool driver @bob")
    run_scheduled(bot)  # this week's digest is out
    assert len(slack.dms("UBOB")) == 1
    bob_today = today_in("Europe/Berlin")

    # One item comes due soon: its own nudge, just as before.
    set_due(bot, first.id, bob_today + timedelta(days=2))
    assert "sent due-soon 1" in run_scheduled(bot)
    nudge = slack.dms("UBOB")[-1]
    assert nudge["text"].startswith("Action items due soon")
    assert listed(nudge) == [f"ai:{first.id}"] and "*Due soon*" not in json.dumps(nudge)

    # Two more fall due at once (one overdue, one due soon): one DM, in sections.
    late = add(bot, incident, "Rotate the keys @bob")
    soon = add(bot, incident, "Add pool alerts @bob")
    set_due(bot, late.id, bob_today - timedelta(days=1))
    set_due(bot, soon.id, bob_today + timedelta(days=1))
    assert "sent nudges 1" in run_scheduled(bot)
    assert len(slack.dms("UBOB")) == 3
    both = slack.dms("UBOB")[-1]
    assert listed(both) == [f"ai:{late.id}", f"ai:{soon.id}"]
    shown = json.dumps(both["blocks"])
    assert shown.index("*Overdue*") < shown.index("*Due soon*")
    assert "sent nothing" in run_scheduled(bot)
    assert len(slack.dms("UBOB")) == 3


def test_a_combined_dm_slack_accepted_just_before_a_crash_is_not_sent_again(
    bot: RunningBot,
) -> None:
    """The state a crash leaves after the DM was posted: both rows pending, one DM in Slack."""
    slack = bot.emulator
    incident = declare(bot)
    owned = add(bot, incident, "Patch the pool driver @bob")
    due = today_in("Europe/Berlin") + timedelta(days=1)
    set_due(bot, owned.id, due)
    client = make_client(bot.services.settings.env)
    channel = client.conversations_open(users="UBOB")["channel"]["id"]
    with bot.services.db.session() as session:
        digest = DigestDelivery(
            user_id="UBOB",
            week=week_key(today_in("Europe/Berlin")),
            kind="digest",
            status="pending",
            channel_id=channel,
        )
        nudge = DigestDelivery(user_id="UBOB", week=due.isoformat(), kind="due-soon")
        session.add_all([digest, nudge])
        session.flush()
        ids = (digest.id, nudge.id)
    posted = client.chat_postMessage(
        channel=channel,
        text="Your open action items",
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"delivery_id": ids[0], "covers": [ids[1]], "items": [owned.id]},
        },
    )

    assert "recovered 1" in run_scheduled(bot)
    assert len(slack.dms("UBOB")) == 1
    assert [(d.kind, d.status, d.ts) for d in deliveries(bot)] == [
        ("digest", "sent", posted["ts"]),
        ("due-soon", "sent", posted["ts"]),
    ]
