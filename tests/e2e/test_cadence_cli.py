"""``sitrep jobs`` and the export see the lifecycle: tasks, scheduled reminders, sections."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.slack_client import make_client
from bot.workflows import reminders
from core import cadence
from core.export import incident_document
from storage.models import Incident
from tests.e2e.lifecycle_helpers import actions, declare, reload, run
from tests.e2e.test_cadence import job_ids, reminders_in
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for
from tests.test_cli import sitrep


def test_jobs_list_and_run_and_export(bot: RunningBot, bot_env: dict[str, str]) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev3 Invoices late")  # next update due in 2h
    run(bot, incident, "update Batch job stuck | impact: invoices a day late")
    wait_for(lambda: "status_update" in actions(bot, incident.id))
    due = reload(bot, incident.id).next_update_due_at
    scheduled = f"update_due:{incident.id}:{cadence.key_for(due)}"
    wait_for(lambda: scheduled in job_ids(bot.services.db))

    listed = sitrep("jobs", "list", env=bot_env)
    assert listed.returncode == 0, listed.stderr
    assert scheduled in listed.stdout
    for name in ("cadence.remind", "cadence.escalate", "cadence.ic_fatigue", "cadence.sweep"):
        assert name in listed.stdout

    # Make the update overdue, then run the sweep by hand: one reminder, and only one.
    due = reload(bot, incident.id).next_update_due_at - timedelta(hours=3)
    with bot.services.db.session() as session:
        session.get_one(Incident, incident.id).next_update_due_at = due
    first = sitrep("jobs", "run", "cadence.sweep", env=bot_env)
    assert first.returncode == 0, first.stderr
    assert "1 reminder(s) sent" in first.stdout
    # Running it again, here or by hand, sends nothing more.
    client = make_client(bot.services.settings.env)
    assert (
        reminders.deliver(bot.services, client, incident.id, cadence.REMIND, cadence.key_for(due))
        == "already sent"
    )
    assert reminders.sweep(bot.services, client) == 0
    assert reminders_in(slack, incident.channel_id) == [(cadence.REMIND, cadence.key_for(due))]

    with bot.services.db.session() as session:
        document = json.loads(json.dumps(incident_document(session, incident.number)))
    assert document["milestones"]["declared"]["set_by"] == "UALICE"
    assert document["milestones"]["resolved"] is None
    assert document["status_updates"][0]["happening"] == "Batch job stuck"
    assert document["status_updates"][0]["impact"] == "invoices a day late"
    assert document["impact"]["next_update_due_at"] == due.isoformat()
