"""Action items over signed HTTP: created three ways, chased by weekly DMs, shown in App Home."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core import export
from core.due_dates import today_in
from scheduler.tasks.action_items import action_item_digest
from storage.models import ActionItem, DigestDelivery, Incident, TimelineEvent
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.process import REPO, child_env, run_sitrep, sitrep_argv
from tests.support.waiting import wait_for


@pytest.fixture
def bot_config() -> dict:
    # Monday 00:00 means this week's digest is always due, whatever day the tests run.
    return {"action_items": {"digest_day": "monday", "digest_time": "00:00"}}


# ----- helpers -------------------------------------------------------------------


def declare(bot: RunningBot, title: str = "Checkout API returning 500s") -> Incident:
    return declare_and_wait(bot, f"sev2 {title}")


def incidents(bot: RunningBot) -> list[Incident]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(Incident)))


def items(bot: RunningBot) -> list[ActionItem]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(ActionItem).order_by(ActionItem.id)))


def item(bot: RunningBot, item_id: int) -> ActionItem:
    return next(i for i in items(bot) if i.id == item_id)


def events(bot: RunningBot, action: str) -> list[TimelineEvent]:
    with bot.services.db.session() as session:
        rows = session.scalars(select(TimelineEvent).where(TimelineEvent.kind == "system"))
        return [e for e in rows if e.data.get("action") == action]


def add(bot: RunningBot, incident: Incident, text: str, user: str = "UALICE") -> ActionItem:
    count = len(items(bot))
    bot.command(f"action add {text}", user=user, channel=incident.channel_id)
    wait_for(lambda: len(items(bot)) > count)
    added = items(bot)[-1]
    # ...and its announcement in the channel, so no post is still in flight.
    wait_for(
        lambda: any(
            f"AI-{added.id}" in m["text"] for m in bot.emulator.messages(incident.channel_id)
        )
    )
    return added


def reply_after(bot: RunningBot, before: int) -> dict[str, Any]:
    return wait_for(lambda: bot.emulator.responses[before:] and bot.emulator.responses[-1])


def run_digest(bot_env: dict[str, str]) -> str:
    result = run_sitrep("jobs", "run", "action-item-digest", env=bot_env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def run_scheduled(bot: RunningBot) -> str:
    """The task as the scheduler runs it, inside the serving process."""
    return action_item_digest(bot.services)


def deliveries(bot: RunningBot) -> list[DigestDelivery]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(DigestDelivery).order_by(DigestDelivery.id)))


def listed(message: dict[str, Any]) -> list[str]:
    return [
        b["block_id"] for b in message.get("blocks", []) if b.get("block_id", "").startswith("ai:")
    ]


# ----- creating -----------------------------------------------------------------


def test_command_adds_an_item_with_owner_due_date_priority_and_timeline_entry(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    first = add(bot, incident, "Add connection pool alerts <@UBOB|bob> due in 2w priority p1")
    assert (first.text, first.owner_id, first.priority) == (
        "Add connection pool alerts",
        "UBOB",
        "p1",
    )
    # "in 2w" counts from the caller's own day: alice is in New York.
    assert first.due_date == today_in("America/New_York") + timedelta(days=14)
    assert first.incident_id == incident.id and first.status == "open"

    second = add(bot, incident, "Write the runbook @carol")  # a plain @name, as typed
    assert second.owner_id == "UCAROL" and second.due_date is None and second.priority == "p2"
    third = add(bot, incident, "Check the retry budget", user="UDAN")  # owner defaults to caller
    assert third.owner_id == "UDAN"

    added = events(bot, "action_item_added")
    assert [e.data["action_item_id"] for e in added] == [first.id, second.id, third.id]
    announced = wait_for(
        lambda: [m for m in slack.messages(incident.channel_id) if f"AI-{first.id}" in m["text"]]
    )
    assert "<@UBOB>" in json.dumps(announced[0]["blocks"])


def test_invalid_input_gets_a_clear_ephemeral_and_changes_nothing(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    kept = add(bot, incident, "Add alerts @bob due in 3w")

    def refused(text: str, expected: str, channel: str | None = None) -> None:
        before = len(slack.responses)
        bot.command(text, user="UALICE", channel=channel or incident.channel_id)
        answer = reply_after(bot, before)
        assert answer["response_type"] == "ephemeral"
        assert expected in answer["text"], answer["text"]

    refused("action add Fix the pool due yesterday", "already passed")
    refused("action add Fix the pool @nobody", "Nobody called `@nobody`")
    refused("action add Fix the pool <@UGHOST|ghost>", "is not someone in this workspace")
    refused("action done 999", "no action item AI-999")
    refused("action reassign 999 @bob", "no action item AI-999")
    refused(f"action reassign {kept.id} @nobody", "Nobody called `@nobody`")
    refused(f"action due {kept.id} yesterday", "already passed")
    refused("action add Fix the pool", "works inside an incident channel", slack.general_id)
    refused("action frobnicate", "not an action item command")

    assert [i.id for i in items(bot)] == [kept.id]
    unchanged = item(bot, kept.id)
    assert (unchanged.owner_id, unchanged.due_date, unchanged.status) == (
        kept.owner_id,
        kept.due_date,
        "open",
    )
    assert len(events(bot, "action_item_added")) == 1
    assert events(bot, "action_item_reassigned") == events(bot, "action_item_due_changed") == []


def open_modal_from(bot: RunningBot, payload: dict[str, Any]) -> dict[str, Any]:
    slack = bot.emulator
    before = len(slack.views)
    assert bot.sender.interactive(payload).status_code == 200
    return wait_for(lambda: slack.views[before:] and slack.views[-1])


def submit_modal(
    bot: RunningBot, opened: dict[str, Any], user: str, owner: str, due: str, priority: str
) -> Any:
    slack = bot.emulator
    view = opened["view"]
    text = next(b for b in view["blocks"] if b.get("block_id") == "text")["element"]
    values = {
        "text": {"value": {"type": "plain_text_input", "value": text.get("initial_value", "")}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "due": {"value": {"type": "plain_text_input", "value": due}},
        "priority": {"value": {"type": "static_select", "selected_option": {"value": priority}}},
    }
    return bot.sender.interactive(slack.view_submission_payload(opened["id"], user, values))


def test_message_shortcut_opens_a_prefilled_modal_that_creates_the_item(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    said = "We should alert when the pool is 80% used"
    ts = slack.post_as_user(incident.channel_id, "UBOB", said)
    opened = open_modal_from(
        bot,
        {
            "type": "message_action",
            "callback_id": "create_action_item",
            "trigger_id": slack.new_trigger_id(),
            "response_url": slack.response_url(incident.channel_id, "UALICE"),
            "user": {"id": "UALICE"},
            "channel": {"id": incident.channel_id},
            "message": {"type": "message", "user": "UBOB", "ts": ts, "text": said},
        },
    )
    assert opened["view"]["callback_id"] == "action_item_modal"
    assert said in json.dumps(opened["view"])

    refused = submit_modal(bot, opened, "UALICE", "UCAROL", "yesterday", "p3")
    assert refused.json()["response_action"] == "errors"
    assert "already passed" in refused.json()["errors"]["due"]
    assert items(bot) == []

    assert submit_modal(bot, opened, "UALICE", "UCAROL", "in 3d", "p3").status_code == 200
    created = wait_for(lambda: items(bot))[0]
    assert (created.text, created.owner_id, created.priority) == (said, "UCAROL", "p3")
    assert created.due_date is not None and created.source_ts == ts
    assert created.source_permalink and "/archives/" in created.source_permalink
    assert [e.data["action_item_id"] for e in events(bot, "action_item_added")] == [created.id]


def test_message_shortcut_outside_an_incident_explains_where_it_works(bot: RunningBot) -> None:
    slack = bot.emulator
    ts = slack.post_as_user(slack.general_id, "UBOB", "hello")
    before = len(slack.responses)
    bot.sender.interactive(
        {
            "type": "message_action",
            "callback_id": "create_action_item",
            "trigger_id": slack.new_trigger_id(),
            "response_url": slack.response_url(slack.general_id, "UALICE"),
            "user": {"id": "UALICE"},
            "channel": {"id": slack.general_id},
            "message": {"type": "message", "user": "UBOB", "ts": ts, "text": "hello"},
        }
    )
    assert "incident's channel" in reply_after(bot, before)["text"]
    assert items(bot) == []


def test_dart_reaction_proposes_an_item_privately_and_the_button_creates_it(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    said = "Retry storms took the pool down; cap the retries"
    ts = slack.post_as_user(incident.channel_id, "UBOB", said)
    reaction = {
        "type": "reaction_added",
        "user": "UALICE",
        "reaction": "dart",
        "item": {"type": "message", "channel": incident.channel_id, "ts": ts},
        "item_user": "UBOB",
        "event_ts": "1700000000.000100",
    }
    assert bot.sender.event(reaction, event_id="EvDART0001").status_code == 200
    proposal = wait_for(
        lambda: [
            e for e in slack.ephemerals if "action item" in e["text"] and e["user"] == "UALICE"
        ]
    )[0]
    assert said in json.dumps(proposal["blocks"])
    # Slack's redelivery of the same event proposes nothing new.
    assert bot.sender.event(reaction, event_id="EvDART0001", retry=1).status_code == 200
    button = proposal["blocks"][1]["elements"][0]
    assert button["action_id"] == "action_item_create"
    assert json.loads(button["value"])["incident_id"] == incident.id

    click = slack.block_actions_payload(
        "UALICE", incident.channel_id, proposal["ts"], "action_item_create", button["value"]
    )
    opened = open_modal_from(bot, click)
    assert said in json.dumps(opened["view"])
    submit_modal(bot, opened, "UALICE", "UBOB", "friday", "p1")
    created = wait_for(lambda: items(bot))[0]
    assert (created.text, created.owner_id, created.priority) == (said, "UBOB", "p1")
    assert created.source_ts == ts
    assert len([e for e in slack.ephemerals if "Make this an action item" in e["text"]]) == 1


def test_postmortem_style_button_opens_the_modal_for_its_incident(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    card = slack.messages(incident.channel_id)[0]
    value = json.dumps({"incident_id": incident.id, "text": "Load-test the pool"})
    click = slack.block_actions_payload(
        "UCAROL", incident.channel_id, card["ts"], "action_item_create", value
    )
    opened = open_modal_from(bot, click)
    submit_modal(bot, opened, "UCAROL", "UCAROL", "", "p2")
    created = wait_for(lambda: items(bot))[0]
    assert (created.text, created.owner_id, created.due_date) == (
        "Load-test the pool",
        "UCAROL",
        None,
    )


# ----- managing -----------------------------------------------------------------


def test_done_reassign_due_drop_list_and_stats(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    a = add(bot, incident, "Add alerts @bob due in 2w")
    b = add(bot, incident, "Write runbook @carol")
    c = add(bot, incident, "Rename the dashboard @dan")

    before = len(slack.responses)
    bot.command(f"action done {a.id} https://grafana.example/d/pool", channel=incident.channel_id)
    assert "Marked done" in reply_after(bot, before)["text"]
    finished = item(bot, a.id)
    assert finished.status == "done" and finished.evidence == "https://grafana.example/d/pool"

    before = len(slack.responses)
    bot.command(f"action reassign AI-{b.id} <@UBOB|bob>", user="UCAROL", channel=slack.general_id)
    reply_after(bot, before)
    assert item(bot, b.id).owner_id == "UBOB"

    before = len(slack.responses)
    bot.command(f"action due {b.id} 2099-01-01", channel=incident.channel_id)
    assert "years away" in reply_after(bot, before)["text"]
    before = len(slack.responses)
    bot.command(f"action due {b.id} in 3w", channel=incident.channel_id)
    reply_after(bot, before)
    assert item(bot, b.id).due_date is not None

    before = len(slack.responses)
    bot.command(f"action drop #{c.id} superseded by the new dashboard", channel=incident.channel_id)
    reply_after(bot, before)
    assert item(bot, c.id).status == "dropped"

    before = len(slack.responses)
    bot.command("action done 1", channel=incident.channel_id)
    assert "already done" in reply_after(bot, before)["text"]

    before = len(slack.responses)
    bot.command("action list", channel=incident.channel_id)
    listing = reply_after(bot, before)["text"]
    before = len(slack.responses)
    bot.command("action list all", channel=incident.channel_id)
    everything = json.dumps(reply_after(bot, before)["blocks"])
    assert f"AI-{b.id}" in everything and f"AI-{a.id}" in everything and f"AI-{c.id}" in everything
    assert "Open action items of INC-1" in listing

    before = len(slack.responses)
    bot.command("action list mine", user="UBOB", channel=slack.general_id)
    mine = json.dumps(reply_after(bot, before)["blocks"])
    assert f"AI-{b.id}" in mine and f"AI-{a.id}" not in mine

    before = len(slack.responses)
    bot.command("action stats", channel=slack.general_id)
    stats = reply_after(bot, before)
    assert "1 open, 0 overdue" in stats["text"]
    assert "<@UBOB>" in json.dumps(stats["blocks"])

    actions = [
        e.data["action"]
        for e in sorted(
            events(bot, "action_item_done")
            + events(bot, "action_item_reassigned")
            + events(bot, "action_item_due_changed")
            + events(bot, "action_item_dropped"),
            key=lambda e: e.id,
        )
    ]
    assert actions == [
        "action_item_done",
        "action_item_reassigned",
        "action_item_due_changed",
        "action_item_dropped",
    ]
    with bot.services.db.session() as session:
        document = export.incident_document(session, incident.number, incident.team_id)
    exported = {row["id"]: row for row in document["action_items"]}
    assert exported[a.id]["status"] == "done"
    assert exported[a.id]["evidence"] == "https://grafana.example/d/pool"
    assert exported[c.id]["status"] == "dropped"


# ----- the weekly digest ------------------------------------------------------------


def test_digest_sends_one_dm_per_owner_with_their_open_items_and_never_twice(
    bot: RunningBot, bot_env: dict[str, str]
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    bob_1 = add(bot, incident, "Add alerts @bob due in 3w")
    bob_2 = add(bot, incident, "Tune the pool @bob")
    bob_done = add(bot, incident, "Already handled @bob")
    carol = add(bot, incident, "Write runbook @carol")
    bot.command(f"action done {bob_done.id}", channel=incident.channel_id)
    wait_for(lambda: item(bot, bob_done.id).status == "done")
    # Items outlive the incident: closing its channel does not stop the nudges.
    with bot.services.db.session() as session:
        session.get_one(Incident, incident.id).status = "closed"

    output = run_digest(bot_env)
    assert "digest 2" in output

    bob_dms, carol_dms = slack.dms("UBOB"), slack.dms("UCAROL")
    assert len(bob_dms) == 1 and len(carol_dms) == 1
    assert slack.dms("UALICE") == [] and slack.dms("UDAN") == []
    assert listed(bob_dms[0]) == [f"ai:{bob_1.id}", f"ai:{bob_2.id}"]
    assert listed(carol_dms[0]) == [f"ai:{carol.id}"]
    buttons = [
        e["action_id"]
        for b in bob_dms[0]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons == ["action_item_done", "action_item_snooze", "action_item_reassign"] * 2
    assert {d.status for d in deliveries(bot)} == {"sent"}

    second = run_digest(bot_env)
    assert "sent nothing" in second
    assert len(slack.dms("UBOB")) == 1 and len(slack.dms("UCAROL")) == 1
    assert len(deliveries(bot)) == 2


def test_a_storm_of_429s_delays_the_digests_but_loses_none(
    bot: RunningBot, bot_env: dict[str, str]
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    for owner in ("bob", "carol", "dan"):
        add(bot, incident, f"Follow up with the vendor @{owner}")
    posts_before = len(slack.calls_to("chat.postMessage"))
    slack.rate_limit("chat.postMessage", count=3, retry_after=1)

    run_digest(bot_env)

    for user in ("UBOB", "UCAROL", "UDAN"):
        assert len(slack.dms(user)) == 1, user
    # Three refused attempts, then one accepted post per owner.
    assert len(slack.calls_to("chat.postMessage")) - posts_before == 3 + 3
    assert [d.status for d in deliveries(bot)] == ["sent"] * 3


def test_dm_buttons_mark_done_and_snooze_and_update_the_dm_in_place(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    first = add(bot, incident, "Add alerts @bob")
    second = add(bot, incident, "Tune the pool @bob")
    run_scheduled(bot)
    delivery = deliveries(bot)[0]
    dm = slack.dms("UBOB")[0]

    def click(action_id: str, item_id: int) -> None:
        value = json.dumps({"id": item_id, "kind": "digest"})
        payload = slack.block_actions_payload(
            "UBOB", delivery.channel_id, dm["ts"], action_id, value, f"ai-actions:{item_id}"
        )
        assert bot.sender.interactive(payload).status_code == 200

    updates = len(slack.calls_to("chat.update"))
    click("action_item_done", first.id)
    wait_for(lambda: item(bot, first.id).status == "done")
    wait_for(lambda: len(slack.calls_to("chat.update")) > updates)
    shown = slack.dms("UBOB")[0]
    assert shown["ts"] == dm["ts"] and len(slack.dms("UBOB")) == 1
    done_block = next(b for b in shown["blocks"] if b.get("block_id") == f"ai:{first.id}")
    assert "done" in done_block["text"]["text"]
    action_rows = [b["block_id"] for b in shown["blocks"] if b["type"] == "actions"]
    assert action_rows == [f"ai-actions:{second.id}"]
    assert [e.data["action_item_id"] for e in events(bot, "action_item_done")] == [first.id]

    updates = len(slack.calls_to("chat.update"))
    click("action_item_snooze", second.id)
    wait_for(lambda: item(bot, second.id).snoozed_until is not None)
    assert item(bot, second.id).snoozed_until == today_in("Europe/Berlin") + timedelta(days=7)
    wait_for(lambda: len(slack.calls_to("chat.update")) > updates)
    shown = slack.dms("UBOB")[0]
    assert "snoozed until" in json.dumps(shown["blocks"])
    assert [b for b in shown["blocks"] if b["type"] == "actions"] == []

    # Reassign opens a modal; choosing Carol hands the item over and redraws the DM.
    value = json.dumps({"id": second.id, "kind": "digest"})
    payload = slack.block_actions_payload(
        "UBOB", delivery.channel_id, dm["ts"], "action_item_reassign", value
    )
    opened = open_modal_from(bot, payload)
    assert opened["view"]["callback_id"] == "action_item_reassign_modal"
    values = {"owner": {"value": {"type": "users_select", "selected_user": "UCAROL"}}}
    bot.sender.interactive(slack.view_submission_payload(opened["id"], "UBOB", values))
    wait_for(lambda: item(bot, second.id).owner_id == "UCAROL")
    wait_for(lambda: "<@UCAROL>" in json.dumps(slack.dms("UBOB")[0]["blocks"]))


def test_due_soon_and_overdue_items_come_in_one_dm_with_the_digest_and_slips_reach_the_ic(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot)  # alice declares, so alice is IC
    soon = add(bot, incident, "Patch the driver @bob due tomorrow")
    late = add(bot, incident, "Add alerts @bob")
    slipped = add(bot, incident, "Fix the retry budget @carol")
    # Time passes: one item went past due yesterday, one ten days ago.
    with bot.services.db.session() as session:
        session.get_one(ActionItem, late.id).due_date = today_in("Europe/Berlin") - timedelta(1)
        session.get_one(ActionItem, slipped.id).due_date = date.today() - timedelta(days=10)

    run_scheduled(bot)

    kinds = sorted((d.user_id, d.kind) for d in deliveries(bot))
    assert kinds == [
        ("UALICE", "escalation"),
        ("UBOB", "digest"),
        ("UBOB", "due-soon"),
        ("UBOB", "overdue"),
        ("UCAROL", "digest"),
        ("UCAROL", "overdue"),
    ]
    # One DM for bob: the digest stands in for this run's overdue and due-soon nudges,
    # whose rows are recorded with it, and shows each item in its section.
    bob = slack.dms("UBOB")
    assert [listed(m) for m in bob] == [[f"ai:{late.id}", f"ai:{soon.id}"]]
    shown = json.dumps(bob[0]["blocks"])
    assert "overdue by 1 day" in shown
    assert (
        shown.index("*Overdue*")
        < shown.index(f"ai:{late.id}")
        < shown.index("*Due soon*")
        < shown.index(f"ai:{soon.id}")
    )
    assert {d.status for d in deliveries(bot)} == {"sent"}
    told = slack.dms("UALICE")
    assert len(told) == 1 and listed(told[0]) == [f"ai:{slipped.id}"]
    assert item(bot, slipped.id).ic_notified_at is not None

    run_scheduled(bot)
    assert len(slack.dms("UBOB")) == 1 and len(slack.dms("UALICE")) == 1


def test_a_crash_mid_send_resumes_without_sending_anything_twice(
    bot: RunningBot, bot_env: dict[str, str]
) -> None:
    slack = bot.emulator
    incident = declare(bot)
    for owner in ("bob", "carol", "dan"):
        add(bot, incident, f"Review the alert thresholds @{owner}")
    # The first DM is slow to be accepted; the process dies while waiting for it.
    slack.delay("chat.postMessage", seconds=10, count=1)
    process = subprocess.Popen(
        sitrep_argv("jobs", "run", "action-item-digest"),
        env=child_env(bot_env),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: [c for c in slack.calls_to("chat.postMessage") if "metadata" in c], 30)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    interrupted = deliveries(bot)
    assert [(d.status, bool(d.channel_id)) for d in interrupted] == [("pending", True)]

    run_digest(bot_env)
    for user in ("UBOB", "UCAROL", "UDAN"):
        assert len(slack.dms(user)) == 1, user
    assert [d.status for d in deliveries(bot)] == ["sent"] * 3


def test_a_digest_slack_accepted_just_before_a_crash_is_not_sent_again(bot: RunningBot) -> None:
    """The state a crash leaves between Slack's answer and the database write."""
    from bot.slack_client import make_client
    from bot.workflows.action_digest import METADATA_EVENT
    from core.nudges import week_key

    slack = bot.emulator
    incident = declare(bot)
    owned = add(bot, incident, "Review the alert thresholds @bob")
    client = make_client(bot.services.settings.env)
    channel = client.conversations_open(users="UBOB")["channel"]["id"]
    with bot.services.db.session() as session:
        row = DigestDelivery(
            user_id="UBOB",
            week=week_key(today_in("Europe/Berlin")),
            kind="digest",
            status="pending",
            channel_id=channel,
        )
        session.add(row)
        session.flush()
        row_id = row.id
    posted = client.chat_postMessage(
        channel=channel,
        text="Your open action items",
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"delivery_id": row_id, "kind": "digest", "items": [owned.id]},
        },
    )

    assert "recovered 1" in run_scheduled(bot)
    assert len(slack.dms("UBOB")) == 1
    (delivery,) = deliveries(bot)
    assert (delivery.status, delivery.ts) == ("sent", posted["ts"])


# ----- App Home -----------------------------------------------------------------


def test_app_home_shows_my_items_and_incidents(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    mine = add(bot, incident, "Add alerts @bob due in 2w")
    slack.post_as_user(incident.channel_id, "UBOB", "looking")
    event = {"type": "app_home_opened", "user": "UBOB", "channel": "D0BOB", "tab": "home"}
    assert bot.sender.event(event).status_code == 200
    home = wait_for(lambda: slack.home_views.get("UBOB"))
    text = json.dumps(home["blocks"])
    assert f"AI-{mine.id}" in text and "Add alerts" in text
    assert "INC-1" in text  # an open incident bob is in, through his action item

    value = json.dumps({"id": mine.id, "kind": "home"})
    click = slack.block_actions_payload("UBOB", "D0BOB", "0", "action_item_done", value)
    click["container"] = {"type": "view", "view_id": home["id"]}
    bot.sender.interactive(click)
    wait_for(lambda: item(bot, mine.id).status == "done")
    wait_for(lambda: "Nothing open" in json.dumps(slack.home_views["UBOB"]["blocks"]))
