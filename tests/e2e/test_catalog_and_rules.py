"""The service catalog and the rules engine, driven over signed HTTP against the emulator."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.due_dates import today_in
from scheduler.tasks.action_items import action_item_digest
from storage.models import ActionItem, TimelineEvent
from tests.e2e.lifecycle_helpers import card, declare, incidents, reload, run, texts
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

RUNBOOK = "https://wiki.example.com/payments-failover"
PAYMENTS = {
    "key": "payments",
    "name": "Payments API",
    "team": "payments",
    "tier": 1,
    "owners": ["@payments-leads", "UBOB"],
    "channel": "payments-alerts",
    "pagerduty": {"service_id": "PSVC123", "routing_key_env": "PD_ROUTING_KEY_PAYMENTS"},
    "runbooks": [{"title": "Payments failover", "url": RUNBOOK}],
}
RULES = [
    {
        "name": "big payments incidents",
        "when": "declared",
        "if": {"severity": ">= SEV2", "services": ["payments"]},
        "then": [
            {"invite": ["UDAN"]},
            {"page": "payments"},
            {"post": {"channel": "nowhere", "text": "INC-{number}"}},
            {"post": {"channel": "exec-updates", "text": "INC-{number} {severity}: {title}"}},
        ],
    },
    {
        "name": "faster updates at SEV1",
        "when": "severity_changed",
        "if": {"severity": ["SEV1"], "teams": ["payments"]},
        "then": [{"set_cadence": "5m"}, {"require_postmortem": True}],
    },
    {
        "name": "overdue items",
        "when": "action_item_overdue",
        "then": [
            {"post": {"channel": "exec-updates", "text": "INC-{number} has an overdue action item"}}
        ],
    },
]


@pytest.fixture
def bot_config() -> dict:
    return {
        "services": [PAYMENTS, {"key": "search", "name": "Search"}],
        "rules": RULES,
        # Monday 00:00: this week's digest (and its overdue nudges) are always due.
        "action_items": {"digest_day": "monday", "digest_time": "00:00"},
    }


def rule_events(bot: RunningBot, incident_id: int) -> list[dict[str, Any]]:
    with bot.services.db.session() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "system")
            .order_by(TimelineEvent.id)
        )
        return [{**r.data, "text": r.text} for r in rows if r.data.get("action") == "rule_action"]


def test_declare_naming_a_catalog_service_invites_owners_and_links_runbooks(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    slack.add_usergroup("payments-leads", ["UCAROL"], name="Payments leads")
    exec_updates = slack.add_channel("exec-updates")

    incident = declare(bot, "sev2 payments: card declines <!channel>")
    assert incident.title == "card declines <!channel>"
    assert incident.services == ["payments"]
    assert RUNBOOK in card(bot, incident) and "Payments failover" in card(bot, incident)

    channel_id = incident.channel_id
    posted = wait_for(
        lambda: [t for t in texts(slack.messages(channel_id)) if "Service owners invited" in t]
    )
    assert (
        RUNBOOK in posted[0]
        and "Payments API" in posted[0]
        and "<@UCAROL>" in posted[0]
        and "<@UBOB>" in posted[0]
    )
    members = wait_for(lambda: {"UBOB", "UCAROL", "UDAN"} <= slack.channel(channel_id).members)
    assert members

    # The rule: invite, page (not configured), a failing post, then a post that works.
    events = wait_for(
        lambda: len(rule_events(bot, incident.id)) == 4 and rule_events(bot, incident.id)
    )
    assert [(e["kind"], e["outcome"]) for e in events] == [
        ("invite", "done"),
        ("page", "not_configured"),
        ("post", "failed"),
        ("post", "done"),
    ]
    assert all(e["rule"] == "big payments incidents" for e in events)
    assert "Rule “big payments incidents”" in events[0]["text"]
    announced = slack.messages(exec_updates)
    assert [m["text"] for m in announced] == ["INC-1 SEV2: card declines &lt;!channel&gt;"]
    in_channel = texts(slack.messages(channel_id))
    assert any("page payments" in t and "not configured" in t for t in in_channel)
    assert any("could not *post in #nowhere" in t for t in in_channel)
    assert "service_owners_invited" in [e.data["action"] for e in _system_events(bot, incident.id)]


def _system_events(bot: RunningBot, incident_id: int) -> list[TimelineEvent]:
    with bot.services.db.session() as session:
        return list(
            session.scalars(
                select(TimelineEvent).where(
                    TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "system"
                )
            )
        )


def test_a_colon_title_without_a_catalog_key_stays_a_title(bot: RunningBot) -> None:
    incident = declare(bot, "sev3 checkout: slow pages")
    assert incident.title == "checkout: slow pages" and incident.services == []
    # No catalog service, no rule for SEV3: nothing but the declare on the timeline.
    assert rule_events(bot, incident.id) == []


def test_severity_change_runs_its_rule(bot: RunningBot) -> None:
    bot.emulator.add_usergroup("payments-leads", ["UCAROL"])
    bot.emulator.add_channel("exec-updates")
    incident = declare(bot, "sev3 payments: refunds delayed")
    before = reload(bot, incident.id).next_update_due_at
    run(bot, incident, "sev 1 spreading")
    events = wait_for(
        lambda: (
            [e for e in rule_events(bot, incident.id) if e["rule_event"] == "severity_changed"]
            if len(rule_events(bot, incident.id)) >= 2
            else []
        )
    )
    assert [(e["kind"], e["outcome"]) for e in events] == [
        ("set_cadence", "done"),
        ("require_postmortem", "done"),
    ]
    after = reload(bot, incident.id).next_update_due_at
    assert after is not None and before is not None and after < before


def test_the_modal_offers_the_catalog_and_keeps_free_text(bot: RunningBot) -> None:
    slack = bot.emulator
    trigger = slack.new_trigger_id(user="UALICE")
    bot.command("declare", user="UALICE", trigger_id=trigger)
    opened = wait_for(lambda: slack.views and slack.views[-1])
    view = opened["view"]
    picker = next(b for b in view["blocks"] if b.get("block_id") == "catalog_services")
    assert [o["value"] for o in picker["element"]["options"]] == ["payments", "search"]
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Refunds stuck"}},
        "severity": {"value": {"type": "static_select", "selected_option": {"value": "SEV3"}}},
        "catalog_services": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": "search"}]}
        },
        "services": {"value": {"type": "plain_text_input", "value": "ledger"}},
    }
    assert (
        bot.sender.interactive(
            slack.view_submission_payload(opened["id"], "UALICE", values)
        ).status_code
        == 200
    )

    made = wait_for(lambda: [i for i in incidents(bot) if i.setup_state == "ready"])
    assert made[0].services == ["search", "ledger"]


def test_services_command_lists_the_catalog(bot: RunningBot) -> None:
    slack = bot.emulator
    url = slack.response_url()
    bot.command("services", user="UALICE", response_url=url)
    reply = wait_for(lambda: [r for r in slack.responses if r.get("url") == url])
    body = json.dumps(reply[0]["blocks"])
    assert "Payments API" in body and "@payments-leads" in body and "<@UBOB>" in body
    assert RUNBOOK in body and "Search" in body


def test_an_overdue_action_item_runs_its_rule_once(bot: RunningBot) -> None:
    slack = bot.emulator
    exec_updates = slack.add_channel("exec-updates")
    incident = declare(bot, "sev3 search: results stale")
    before = len(slack.messages(incident.channel_id))
    bot.command("action add Add alerts @bob", user="UALICE", channel=incident.channel_id)
    wait_for(lambda: len(slack.messages(incident.channel_id)) > before)
    with bot.services.db.session() as session:
        item = session.scalars(select(ActionItem)).one()
        item.due_date = today_in("Europe/Berlin") - timedelta(days=1)
    action_item_digest(bot.services)
    action_item_digest(bot.services)
    posted = wait_for(lambda: slack.messages(exec_updates))
    assert [m["text"] for m in posted] == ["INC-1 has an overdue action item"]
    events = rule_events(bot, incident.id)
    assert [(e["rule"], e["rule_event"], e["outcome"]) for e in events] == [
        ("overdue items", "action_item_overdue", "done")
    ]
