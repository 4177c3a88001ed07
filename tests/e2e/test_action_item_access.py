"""Who may see and change an action item named by id, over signed HTTP.

Action item commands work from any channel, so an id alone must not open a
private incident: to someone outside it, its items are "not found", exactly
like ids that never existed, on every command, button and on App Home.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from scheduler.tasks.action_items import action_item_digest
from storage.models import ActionItem, Incident, TimelineEvent
from storage.types import utcnow
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

SECRET_TITLE = "Payroll export leaking salaries"
SECRET_ITEM = "Rotate the payroll bucket keys"


@pytest.fixture
def bot_config() -> dict:
    # Monday 00:00: this week's digest is always due, whatever day the tests run.
    return {
        "private_by_default": True,
        "action_items": {"digest_day": "monday", "digest_time": "00:00"},
    }


def answer(bot: RunningBot, text: str, user: str, channel: str) -> str:
    """The caller's private reply to a command, once it has come."""
    before = len(bot.emulator.responses)
    bot.command(text, user=user, channel=channel)
    reply = wait_for(lambda: bot.emulator.responses[before:] and bot.emulator.responses[-1])
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def snapshot(bot: RunningBot, item_id: int) -> tuple[Any, ...]:
    with bot.services.db.session() as session:
        row = session.get_one(ActionItem, item_id)
        entries = session.scalar(select(func.count()).select_from(TimelineEvent))
        return (row.owner_id, row.status, row.due_date, row.snoozed_until, row.evidence, entries)


def private_incident_with_an_item(bot: RunningBot) -> tuple[Incident, ActionItem]:
    incident = declare_and_wait(bot, f"sev2 {SECRET_TITLE}")  # alice declares: she is IC
    assert incident.is_private
    bot.command(f"action add {SECRET_ITEM} due in 2w", user="UALICE", channel=incident.channel_id)

    def added() -> ActionItem | None:
        with bot.services.db.session() as session:
            return session.scalars(select(ActionItem)).first()

    item = wait_for(added)
    wait_for(
        lambda: any(
            f"AI-{item.id}" in m["text"] for m in bot.emulator.messages(incident.channel_id)
        )
    )
    return incident, item


def test_a_non_member_gets_not_found_for_every_command_on_a_private_item(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident, item = private_incident_with_an_item(bot)
    assert "UDAN" not in slack.channel(incident.channel_id).members
    before = snapshot(bot, item.id)
    commands = {
        "done": "done {id} it is fine",
        "reassign": "reassign {id} <@UDAN|dan>",
        "due": "due {id} in 3w",
        "drop": "drop {id} not needed",
        "snooze": "snooze {id} in 1w",
    }
    for verb, shape in commands.items():
        missing = answer(bot, "action " + shape.format(id=999999), "UDAN", slack.general_id)
        refused = answer(bot, "action " + shape.format(id=item.id), "UDAN", slack.general_id)
        assert "There is no action item" in missing, verb
        # Word for word what a missing id gets, so trying ids reveals nothing.
        assert refused == missing.replace("999999", str(item.id)), verb
        assert SECRET_ITEM not in refused and "INC-" not in refused, verb
    assert snapshot(bot, item.id) == before  # nothing changed, nothing written to the timeline

    # The buttons of a DM or of App Home, clicked with this item's id, open nothing either.
    ts = slack.post_as_user(slack.general_id, "UDAN", "hello")
    for action_id in ("action_item_done", "action_item_snooze", "action_item_reassign"):
        value = json.dumps({"id": item.id, "kind": "digest"})
        replies = len(slack.responses)
        click = slack.block_actions_payload("UDAN", slack.general_id, ts, action_id, value)
        assert bot.sender.interactive(click).status_code == 200
        said = wait_for(lambda r=replies: slack.responses[r:] and slack.responses[-1]["text"])
        assert "There is no action item" in said and SECRET_ITEM not in said, action_id
    # Nor does the "Create action item" button, pointed at the private incident.
    value = json.dumps({"incident_id": incident.id, "text": "Sneak a line into its timeline"})
    replies = len(slack.responses)
    click = slack.block_actions_payload("UDAN", slack.general_id, ts, "action_item_create", value)
    assert bot.sender.interactive(click).status_code == 200
    said = wait_for(lambda: slack.responses[replies:] and slack.responses[-1]["text"])
    assert "no longer exists" in said and SECRET_TITLE not in said
    assert snapshot(bot, item.id) == before
    assert slack.views == []  # no modal showing the item or the incident was opened

    # ...and App Home shows nothing of the incident after all those attempts.
    home = open_home(bot, "UDAN")
    assert SECRET_TITLE not in home and SECRET_ITEM not in home and "INC-1" not in home


def open_home(bot: RunningBot, user: str) -> str:
    slack = bot.emulator
    published = len(slack.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
    assert bot.sender.event(event).status_code == 200
    wait_for(lambda: len(slack.calls_to("views.publish")) > published)
    return json.dumps(slack.home_views[user]["blocks"])


def test_app_home_and_my_list_leave_out_a_private_incident_the_owner_is_not_in(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident, item = private_incident_with_an_item(bot)
    # Dan owns an item of it without being in it (say he left the channel since).
    with bot.services.db.session() as session:
        session.add(
            ActionItem(
                incident_id=incident.id,
                text="Audit who downloaded the export",
                owner_id="UDAN",
                created_by="UALICE",
                created_at=utcnow(),
                priority="p2",
                status="open",
                evidence="",
                team="",
            )
        )
    home = open_home(bot, "UDAN")
    assert SECRET_TITLE not in home and "Audit who downloaded" not in home and "INC-1" not in home
    mine = answer(bot, "action list mine", "UDAN", slack.general_id)
    assert "Audit who downloaded" not in mine and "INC-1" not in mine

    # Alice, in the incident, sees it all on her Home tab.
    alice = open_home(bot, "UALICE")
    assert SECRET_TITLE in alice and SECRET_ITEM in alice

    # The weekly digest tells Alice of hers, and Dan nothing of an incident he is not in.
    assert "sent digest 1" in action_item_digest(bot.services)
    assert slack.dms("UDAN") == []
    assert SECRET_ITEM in json.dumps(slack.dms("UALICE")[0]["blocks"])


def test_members_may_see_but_only_the_owner_ic_or_deputy_may_change(bot: RunningBot) -> None:
    slack = bot.emulator
    incident, item = private_incident_with_an_item(bot)
    # Bob takes a role that lets him in, but neither owns the item nor commands.
    bot.command("role comms <@UBOB|bob>", user="UALICE", channel=incident.channel_id)
    wait_for(lambda: "UBOB" in slack.channel(incident.channel_id).members)
    before = snapshot(bot, item.id)
    refused = answer(bot, f"action done {item.id}", "UBOB", slack.general_id)
    assert "Only its owner" in refused and "Incident Commander" in refused
    assert snapshot(bot, item.id) == before

    # Nobody outside the private incident can be handed its item, even by the IC.
    refused = answer(bot, f"action reassign {item.id} <@UDAN|dan>", "UALICE", slack.general_id)
    assert "is not in INC-1, which is private" in refused
    assert snapshot(bot, item.id) == before

    # The IC hands it to Bob, who is in it; now Bob, its owner, may finish it.
    answer(bot, f"action reassign {item.id} <@UBOB|bob>", "UALICE", slack.general_id)
    assert "Marked done" in answer(bot, f"action done {item.id}", "UBOB", slack.general_id)
