"""Roles, status and severity changes, updates and impact, driven over signed HTTP."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from core import milestones
from storage.models import Incident, RoleAssignment, StatusUpdate
from tests.e2e.lifecycle_helpers import actions, card, declare, reload, run, texts
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def holders(bot: RunningBot, incident_id: int) -> dict[str, str]:
    with bot.services.db.session() as session:
        rows = session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.incident_id == incident_id, RoleAssignment.ended_at.is_(None)
            )
        )
        return {r.role: r.user_id for r in rows}


def error_reply(bot: RunningBot, before: int) -> str:
    reply = wait_for(lambda: bot.emulator.responses[before:])[0]
    assert reply["response_type"] == "ephemeral"
    return reply["text"]


def test_assigning_a_role_invites_dms_records_and_updates_the_card(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    run(bot, incident, "role deputy <@UBOB>")
    wait_for(lambda: holders(bot, incident.id).get("deputy") == "UBOB")

    channel = wait_for(
        lambda: (c := slack.channel(incident.channel_id)) and "UBOB" in c.members and c
    )
    assert "UBOB" in channel.members
    dm = wait_for(lambda: slack.dms("UBOB"))
    assert "Deputy" in dm[0]["text"] and "INC-1" in dm[0]["text"]
    assert "You are the Deputy" in json.dumps(dm[0]["blocks"])
    assert wait_for(lambda: "<@UBOB>" in card(bot, incident))
    assert "role_assigned" in actions(bot, incident.id)
    said = wait_for(
        lambda: [t for t in texts(slack.messages(incident.channel_id)) if "is now" in t]
    )
    assert "<@UBOB>" in said[0] and "Deputy" in said[0]

    # Taking command from a sitting IC is a request the IC accepts; then the handoff is
    # recorded and the old holding ends.
    run(bot, incident, "role ic me", user="UCAROL")
    request = wait_for(
        lambda: [
            m
            for m in slack.messages(incident.channel_id)
            if "role_request_accept" in json.dumps(m.get("blocks"))
        ]
    )[0]
    accept = next(
        e for b in request["blocks"] for e in b.get("elements", []) if e.get("action_id")
    )
    click = slack.block_actions_payload(
        "UALICE", incident.channel_id, request["ts"], "role_request_accept", accept["value"]
    )
    assert bot.sender.interactive(click).status_code == 200
    wait_for(lambda: holders(bot, incident.id).get("incident_commander") == "UCAROL")
    with bot.services.db.session() as session:
        ics = session.scalars(
            select(RoleAssignment)
            .where(
                RoleAssignment.incident_id == incident.id,
                RoleAssignment.role == "incident_commander",
            )
            .order_by(RoleAssignment.id)
        ).all()
        assert [(r.user_id, r.ended_at is not None) for r in ics] == [
            ("UALICE", True),
            ("UCAROL", False),
        ]
        ack = milestones.get_all(session, session.get_one(Incident, incident.id)).get(
            "acknowledged"
        )
        assert (
            ack is not None and ack.set_by == "UCAROL"
        )  # the first response not from the declarer
    wait_for(lambda: "Incident Commander*\\n<@UCAROL>" in card(bot, incident))
    # The topic is set right after the card is updated, so it may lag a moment.
    wait_for(lambda: "IC: <@UCAROL>" in slack.channel(incident.channel_id).topic)


def test_unknown_role_unknown_user_and_bad_severity_change_nothing(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    before_actions = actions(bot, incident.id)
    cases = [
        ("role wizard <@UBOB>", "is not a role"),
        ("role deputy <@UNOBODY>", "not a person in this workspace"),
        ("role deputy @nobody-here", "nobody called nobody-here"),
        ("sev 7", "`7` is not a severity"),
        ("status fixing", "`fixing` is not a status"),
        ("close", "resolve it first"),
        ("milestone impact-started tomorrow", "not a time I understand"),
    ]
    for text, expected in cases:
        before = len(slack.responses)
        run(bot, incident, text)
        assert expected in error_reply(bot, before), text
    time.sleep(0.2)
    current = reload(bot, incident.id)
    assert (current.severity, current.status) == ("SEV2", "investigating")
    assert holders(bot, incident.id) == {"incident_commander": "UALICE"}
    assert actions(bot, incident.id) == before_actions
    assert slack.dms("UBOB") == []


def test_only_ic_and_deputy_may_change_severity_resolve_or_close(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    for text in ("sev 1 spreading", "resolve fixed it", "status resolved"):
        before = len(slack.responses)
        run(bot, incident, text, user="UBOB")
        message = error_reply(bot, before)
        assert "Only the Incident Commander or Deputy" in message, message
        assert "<@UALICE>" in message
    assert reload(bot, incident.id).severity == "SEV2"
    assert reload(bot, incident.id).status == "investigating"

    # Anyone may move the status along; the deputy may then resolve.
    run(bot, incident, "status identified Bad deploy", user="UBOB")
    wait_for(lambda: reload(bot, incident.id).status == "identified")
    run(bot, incident, "role deputy <@UBOB>")
    wait_for(lambda: holders(bot, incident.id).get("deputy") == "UBOB")
    run(bot, incident, "resolve Rolled back the deploy", user="UBOB")
    wait_for(lambda: reload(bot, incident.id).status == "resolved")


def test_status_and_severity_changes_reach_timeline_card_topic_and_broadcast(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev3 Search is slow")
    thread = lambda: slack.replies(slack.incidents_id, incident.broadcast_ts)  # noqa: E731

    run(bot, incident, "status identified Index rebuild stuck")
    wait_for(lambda: reload(bot, incident.id).status == "identified")
    wait_for(lambda: "Identified" in card(bot, incident))
    wait_for(lambda: "Identified" in slack.channel(incident.channel_id).topic)
    reply = wait_for(lambda: [m for m in thread() if "identified" in m["text"]])[0]
    assert not reply.get("subtype")  # a quiet thread reply
    top_level_before = len(slack.messages(slack.incidents_id))

    run(bot, incident, "sev 1 Every region now affected")
    wait_for(lambda: reload(bot, incident.id).severity == "SEV1")
    wait_for(lambda: "SEV1 (Critical)" in card(bot, incident))
    wait_for(lambda: slack.channel(incident.channel_id).topic.startswith("SEV1"))
    loud = wait_for(lambda: [m for m in thread() if "SEV1" in m["text"]])[0]
    assert "Every region now affected" in json.dumps(loud["blocks"])
    # An upgrade to SEV1 is also shown in the broadcast channel itself.
    assert len(slack.messages(slack.incidents_id)) == top_level_before + 1
    assert [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.get("reply_broadcast") in (True, "true", "1")
    ]
    assert [c for c in slack.calls_to("chat.update") if c["ts"] == incident.card_ts]

    run(bot, incident, "sev 3 Contained to one region")
    wait_for(lambda: reload(bot, incident.id).severity == "SEV3")
    wait_for(lambda: [m for m in thread() if "lowered" in m["text"]])
    assert len(slack.messages(slack.incidents_id)) == top_level_before + 1  # quiet again

    with bot.services.db.session() as session:
        from storage.models import TimelineEvent

        severity_events = session.scalars(
            select(TimelineEvent).where(TimelineEvent.incident_id == incident.id)
        ).all()
        data = [e.data for e in severity_events if e.data.get("action") == "severity_changed"]
    assert [(d["from"], d["to"], d["direction"]) for d in data] == [
        ("SEV3", "SEV1", "up"),
        ("SEV1", "SEV3", "down"),
    ]
    assert data[0]["reason"] == "Every region now affected"


def test_resolve_close_reopen_keep_milestones_and_fire_hooks(bot: RunningBot) -> None:
    from bot.workflows import hooks

    fired: list[tuple[str, int, str | None]] = []

    def record(moment: str):  # type: ignore[no-untyped-def]
        def hook(_services, _client, incident_id, actor):  # type: ignore[no-untyped-def]
            fired.append((moment, incident_id, actor))

        return hook

    added = {m: record(m) for m in (hooks.ON_RESOLVED, hooks.ON_REOPENED, hooks.ON_CLOSED)}
    for moment, hook in added.items():
        hooks.on(moment)(hook)
    try:
        slack = bot.emulator
        incident = declare(bot)
        run(bot, incident, "milestone impact-started 30m ago")
        wait_for(lambda: "milestone_set" in actions(bot, incident.id))
        run(bot, incident, "resolve Rolled back the bad deploy")
        wait_for(lambda: reload(bot, incident.id).status == "resolved")
        wait_for(lambda: fired)
        resolved = reload(bot, incident.id)
        assert resolved.summary == "Rolled back the bad deploy"
        assert resolved.next_update_due_at is None
        with bot.services.db.session() as session:
            reached = milestones.get_all(session, resolved)
            assert {"impact_started", "declared", "mitigated", "resolved"} <= set(reached)
            assert reached["resolved"].set_by == "UALICE"
            assert reached["impact_started"].at < reached["declared"].at
        wait_for(lambda: "Resolution" in card(bot, incident))

        run(bot, incident, "close")
        wait_for(lambda: reload(bot, incident.id).status == "closed")
        # Hooks fire after the change is announced; let close's finish before reopening.
        wait_for(lambda: len(fired) == 2)
        run(bot, incident, "reopen It came back")
        wait_for(lambda: reload(bot, incident.id).status == "investigating")
        reopened = reload(bot, incident.id)
        assert reopened.next_update_due_at is not None  # reminders resume
        with bot.services.db.session() as session:
            reached = milestones.get_all(session, reopened)
            assert "resolved" not in reached and "closed" not in reached
        wait_for(lambda: len(fired) == 3)
        assert [m for m, _, _ in fired] == ["resolved", "closed", "reopened"]
        assert all(i == incident.id and a == "UALICE" for _, i, a in fired)
        assert actions(bot, incident.id)[-4:] == ["milestone_set", "resolved", "closed", "reopened"]
        listed = len(slack.responses)
        bot.command("list")
        wait_for(lambda: len(slack.responses) > listed and "INC-1" in slack.responses[-1]["text"])
    finally:
        for moment, hook in added.items():
            hooks.HOOKS[moment].remove(hook)


def test_update_from_text_is_posted_threaded_stored_and_resets_the_clock(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev1 Payments failing")
    first_due = reload(bot, incident.id).next_update_due_at
    assert first_due is not None

    run(
        bot,
        incident,
        "update Failover running | impact: EU card payments fail | doing: promoting replica"
        " | next: 15m",
    )
    update = wait_for(lambda: _updates(bot, incident.id))[0]
    assert (update.happening, update.impact, update.actions) == (
        "Failover running",
        "EU card payments fail",
        "promoting replica",
    )
    wait_for(lambda: _updates(bot, incident.id)[0].broadcast_ts)
    update = _updates(bot, incident.id)[0]
    assert update.channel_ts and update.broadcast_ts
    posted = next(m for m in slack.messages(incident.channel_id) if m["ts"] == update.channel_ts)
    assert "EU card payments fail" in json.dumps(posted["blocks"])
    threaded = slack.replies(slack.incidents_id, incident.broadcast_ts)
    assert any(m["ts"] == update.broadcast_ts for m in threaded)
    due = reload(bot, incident.id).next_update_due_at
    assert due is not None and abs((due - update.posted_at).total_seconds() - 900) < 1
    assert "status_update" in actions(bot, incident.id)
    wait_for(
        lambda: (
            "Next update due" in card(bot, incident)
            and due.strftime("%H:%M") in card(bot, incident)
        )
    )


def test_update_modal_and_impact_modal(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    bot.command("update", channel=incident.channel_id, trigger_id=slack.new_trigger_id())
    opened = wait_for(
        lambda: [v for v in slack.views if v["view"].get("callback_id") == "status_update"]
    )[0]
    empty = {"happening": {"value": {"type": "plain_text_input", "value": ""}}}
    refused = bot.sender.interactive(slack.view_submission_payload(opened["id"], "UBOB", empty))
    assert refused.json()["response_action"] == "errors" and "happening" in refused.json()["errors"]
    values = {
        "happening": {"value": {"type": "plain_text_input", "value": "Queue draining"}},
        "impact": {"value": {"type": "plain_text_input", "value": "Orders delayed 10 minutes"}},
        "actions": {"value": {"type": "plain_text_input", "value": "Scaling consumers"}},
        "next": {"value": {"type": "plain_text_input", "value": "45m"}},
    }
    assert bot.sender.interactive(slack.view_submission_payload(opened["id"], "UBOB", values)).ok
    update = wait_for(lambda: _updates(bot, incident.id))[0]
    assert (update.author_id, update.impact) == ("UBOB", "Orders delayed 10 minutes")

    bot.command("impact", channel=incident.channel_id, trigger_id=slack.new_trigger_id())
    form = wait_for(
        lambda: [v for v in slack.views if v["view"].get("callback_id") == "incident_impact"]
    )[0]
    bad = {"users_affected": {"value": {"type": "number_input", "value": "lots"}}}
    refused = bot.sender.interactive(slack.view_submission_payload(form["id"], "UALICE", bad))
    assert "users_affected" in refused.json()["errors"]
    impact = {
        "users_affected": {"value": {"type": "number_input", "value": "1200"}},
        "customer_tier": {"value": {"type": "plain_text_input", "value": "enterprise"}},
        "revenue_impact": {"value": {"type": "number_input", "value": "25000.5"}},
        "support_tickets": {"value": {"type": "number_input", "value": "14"}},
        "services": {"value": {"type": "plain_text_input", "value": "checkout, payments"}},
    }
    assert bot.sender.interactive(slack.view_submission_payload(form["id"], "UALICE", impact)).ok
    stored = wait_for(lambda: (i := reload(bot, incident.id)).users_affected and i)
    assert (stored.customer_tier, stored.revenue_impact, stored.support_tickets) == (
        "enterprise",
        25000.5,
        14,
    )
    assert stored.services == ["checkout", "payments"]
    shown = wait_for(lambda: "1,200" in card(bot, incident) and card(bot, incident))
    assert "enterprise" in shown and "25,000" in shown and "checkout, payments" in shown


def test_roles_modal_shows_who_holds_what(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot)
    run(bot, incident, "role comms <@UDAN>")
    wait_for(lambda: holders(bot, incident.id).get("comms_lead") == "UDAN")
    bot.command("roles", channel=incident.channel_id, trigger_id=slack.new_trigger_id())
    view = wait_for(lambda: [v for v in slack.views if "Roles in INC-1" in json.dumps(v["view"])])[
        0
    ]
    shown = json.dumps(view["view"]["blocks"])
    assert "Communications Lead*: <@UDAN>" in shown
    assert "Incident Commander*: <@UALICE>" in shown
    assert "Scribe*: _unassigned_" in shown

    run(bot, incident, "role comms none")
    wait_for(lambda: "comms_lead" not in holders(bot, incident.id))
    assert "role_released" in actions(bot, incident.id)
    wait_for(lambda: "Communications Lead: _unassigned_" in card(bot, incident))


def _updates(bot: RunningBot, incident_id: int) -> list[StatusUpdate]:
    with bot.services.db.session() as session:
        return list(
            session.scalars(select(StatusUpdate).where(StatusUpdate.incident_id == incident_id))
        )
