"""Update reminders on short cadences: due, escalated, reset, stopped, and never lost or doubled."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from core import cadence
from storage.db import Database
from storage.models import Incident, SentReminder
from storage.types import utcnow
from tests.e2e.lifecycle_helpers import declare, reload, run
from tests.support.databases import backend
from tests.support.harness import SIGNING_SECRET, TEAM_ID, RunningBot
from tests.support.process import ServeProcess
from tests.support.signing import SlackSender
from tests.support.waiting import wait_for

SEVERITIES = [
    {"key": "SEV1", "name": "Critical", "description": "Outage.", "update_cadence": "2s"},
    {"key": "SEV2", "name": "High", "description": "Major.", "update_cadence": "3s"},
    {"key": "SEV3", "name": "Medium", "description": "Minor.", "update_cadence": "1h"},
    {"key": "SEV4", "name": "Low", "description": "Cosmetic.", "update_cadence": "none"},
]


@pytest.fixture
def bot_config() -> dict:
    # The sweep is slow here, so these tests show the scheduled jobs doing the work.
    return {
        "severities": SEVERITIES,
        "cadence": {"grace": "1s", "sweep_interval": "1h", "ic_fatigue_hours": 0},
    }


def reminders_in(slack: Any, channel_id: str) -> list[tuple[str, str]]:
    """(kind, key) of every reminder the bot posted in the channel, in order."""
    found = []
    for message in slack.messages(channel_id):
        meta = message.get("metadata") or {}
        if meta.get("event_type") == "sitrep_reminder":
            payload = meta["event_payload"]
            found.append((payload["kind"], payload["key"]))
    return found


def reminder_text(slack: Any, channel_id: str, kind: str) -> list[str]:
    return [
        json.dumps(m["blocks"])
        for m in slack.messages(channel_id)
        if (m.get("metadata") or {}).get("event_payload", {}).get("kind") == kind
    ]


def test_reminder_fires_when_due_escalates_after_grace_and_an_update_resets_it(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev2 Checkout errors")  # updates due every 3s
    run(bot, incident, "role comms <@UBOB>")
    run(bot, incident, "role deputy <@UCAROL>")
    due = reload(bot, incident.id).next_update_due_at
    assert due is not None
    key = cadence.key_for(due)

    wait_for(lambda: (cadence.REMIND, key) in reminders_in(slack, incident.channel_id))
    reminder = reminder_text(slack, incident.channel_id, cadence.REMIND)[0]
    assert "<@UBOB>" in reminder and "INC-1" in reminder  # the Comms Lead is reminded

    wait_for(lambda: (cadence.ESCALATE, key) in reminders_in(slack, incident.channel_id))
    escalation = reminder_text(slack, incident.channel_id, cadence.ESCALATE)[0]
    assert "<@UALICE>" in escalation and "<@UCAROL>" in escalation  # IC and Deputy
    # After the escalation the next cycle begins one cadence after the missed time.
    moved = wait_for(lambda: (d := reload(bot, incident.id).next_update_due_at) != due and d)
    assert moved == due + timedelta(seconds=3)

    run(bot, incident, "update Rolling back | impact: 5% of orders fail")
    wait_for(lambda: reload(bot, incident.id).next_update_due_at not in (None, moved))
    after_update = reload(bot, incident.id).next_update_due_at
    assert after_update is not None
    new_key = cadence.key_for(after_update)
    # The clock restarted at the update: the next reminder is for the new due time.
    wait_for(lambda: (cadence.REMIND, new_key) in reminders_in(slack, incident.channel_id))
    sent = reminders_in(slack, incident.channel_id)
    assert (cadence.REMIND, cadence.key_for(moved)) not in sent  # replaced by the update
    assert len(sent) == len(set(sent))


def test_an_update_with_a_later_promise_stops_reminders_until_then(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev1 Payments down")  # due every 2s
    run(bot, incident, "update Investigating the payment provider | next: 1h")
    wait_for(
        lambda: (
            (d := reload(bot, incident.id).next_update_due_at)
            and d > incident.declared_at + timedelta(minutes=30)
        )
    )
    time.sleep(3.5)  # longer than the 2s cadence plus the 1s grace
    assert reminders_in(slack, incident.channel_id) == []


def test_reminders_stop_at_resolve_and_resume_on_reopen(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev1 Login broken")
    run(bot, incident, "resolve Fixed before the first update was due")
    wait_for(lambda: reload(bot, incident.id).status == "resolved")
    assert reload(bot, incident.id).next_update_due_at is None
    # The jobs are cancelled, not just ignored when they fire.
    wait_for(lambda: not [j for j in job_ids(bot.services.db) if f":{incident.id}:" in j])
    time.sleep(3.5)
    assert reminders_in(slack, incident.channel_id) == []

    run(bot, incident, "reopen It is back")
    wait_for(lambda: reload(bot, incident.id).next_update_due_at)
    due = reload(bot, incident.id).next_update_due_at
    assert due is not None
    wait_for(
        lambda: (cadence.REMIND, cadence.key_for(due)) in reminders_in(slack, incident.channel_id)
    )


def job_ids(database: Database) -> list[str]:
    """Jobs in APScheduler's store, read straight from the table every process shares."""
    with database.engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT id FROM apscheduler_jobs"))]


FATIGUE_CONFIG = {
    "severities": SEVERITIES,
    "cadence": {"grace": "1s", "sweep_interval": "1h", "ic_fatigue_hours": "1.5s"},
}


@pytest.mark.parametrize("bot_config", [FATIGUE_CONFIG])
def test_a_long_stretch_with_one_ic_suggests_a_handoff_once(bot: RunningBot) -> None:
    slack = bot.emulator
    incident = declare(bot, "sev3 Slow dashboards")
    run(bot, incident, "role deputy <@UBOB>")
    wait_for(lambda: reminder_text(slack, incident.channel_id, cadence.FATIGUE))
    nudge = reminder_text(slack, incident.channel_id, cadence.FATIGUE)[0]
    assert "<@UALICE>" in nudge and "handing over to <@UBOB>" in nudge

    run(bot, incident, "role ic me", user="UBOB")  # the handoff restarts the clock
    wait_for(lambda: len(reminder_text(slack, incident.channel_id, cadence.FATIGUE)) == 2)
    assert "<@UBOB>, you have been" in reminder_text(slack, incident.channel_id, cadence.FATIGUE)[1]
    time.sleep(1)
    assert len(reminder_text(slack, incident.channel_id, cadence.FATIGUE)) == 2


CRASH_CONFIG = {
    "severities": SEVERITIES,
    "cadence": {
        "grace": "1s",
        "sweep_interval": "0.3s",
        "ic_fatigue_hours": 0,
        "claim_timeout": "5.5s",
    },
}


@pytest.mark.parametrize("bot_config", [CRASH_CONFIG])
def test_a_send_cut_short_by_a_crash_is_finished_once(bot: RunningBot) -> None:
    """Claims left 'sending' by a dead process: checked against Slack, then finished once."""
    from bot.slack_client import make_client

    slack = bot.emulator
    # SEV3 has a 1h cadence here, so nothing falls due on its own during the test.
    posted_first = declare(bot, "sev3 Reports delayed")
    never_posted = declare(bot, "sev3 Exports failing")
    keys = {}
    now = utcnow()
    with bot.services.db.session() as session:
        for incident in (posted_first, never_posted):
            due = now - timedelta(seconds=1)
            keys[incident.id] = cadence.key_for(due)
            session.get_one(Incident, incident.id).next_update_due_at = due
            # What a process leaves behind when it dies right after claiming.
            session.add(
                SentReminder(
                    incident_id=incident.id,
                    kind=cadence.REMIND,
                    key=keys[incident.id],
                    state="sending",
                    sent_at=now,
                )
            )
    # One of them died after Slack had the message, the other before.
    key = keys[posted_first.id]
    make_client(bot.services.settings.env).chat_postMessage(
        channel=posted_first.channel_id,
        text="Status update due",
        metadata={
            "event_type": "sitrep_reminder",
            "event_payload": {"incident_id": posted_first.id, "kind": cadence.REMIND, "key": key},
        },
    )

    def state(incident_id: int) -> str | None:
        with bot.services.db.session() as session:
            row = cadence.reminder(session, incident_id, cadence.REMIND, keys[incident_id])
            return row.state if row else None

    # Nothing is retried while another process might still be sending (claim_timeout)...
    time.sleep(1)
    assert (state(posted_first.id), state(never_posted.id)) == ("sending", "sending")
    # ...then each claim is finished: found in Slack, or posted.
    wait_for(lambda: state(posted_first.id) == state(never_posted.id) == "sent", timeout=15)
    assert Counter(reminders_in(slack, posted_first.channel_id))[(cadence.REMIND, key)] == 1
    second_key = keys[never_posted.id]
    assert Counter(reminders_in(slack, never_posted.channel_id))[(cadence.REMIND, second_key)] == 1
    wait_for(lambda: (cadence.ESCALATE, key) in reminders_in(slack, posted_first.channel_id))


# ----- real processes -------------------------------------------------------------------

SERVE_CONFIG = {
    "severities": SEVERITIES,
    # A crash between posting and recording is finished by another process after 2s.
    "cadence": {
        "grace": "1s",
        "sweep_interval": "0.5s",
        "ic_fatigue_hours": 0,
        "claim_timeout": "2s",
    },
}


def _serve(bot_env: dict[str, str], tmp_path: Path, name: str) -> ServeProcess:
    process = ServeProcess(bot_env, log_path=tmp_path / f"{name}.log")
    process.wait_healthy()
    return process


def _incident(database_url: str) -> Incident | None:
    database = Database(database_url)
    try:
        with database.session() as session:
            return session.scalars(select(Incident).where(Incident.setup_state == "ready")).first()
    finally:
        database.dispose()


def _wait_until_next_update_after(database_url: str, moment: datetime) -> None:
    """The update has landed once the stored promise of the next one is past ``moment``."""
    wait_for(
        lambda: (
            (i := _incident(database_url))
            and i.next_update_due_at
            and i.next_update_due_at > moment
        )
    )


def _sent_rows(database_url: str) -> list[tuple[str, str, str]]:
    database = Database(database_url)
    try:
        with database.session() as session:
            return [(r.kind, r.key, r.state) for r in session.scalars(select(SentReminder))]
    finally:
        database.dispose()


def _assert_each_once(slack: Any, channel_id: str, database_url: str) -> list[tuple[str, str]]:
    posted = reminders_in(slack, channel_id)
    doubled = [item for item, count in Counter(posted).items() if count > 1]
    assert doubled == [], f"reminders posted twice: {doubled}"
    recorded = {(kind, key) for kind, key, state in _sent_rows(database_url) if state == "sent"}
    assert recorded == set(posted)
    return posted


@pytest.mark.parametrize("bot_config", [SERVE_CONFIG])
def test_kill_9_and_restart_loses_no_reminder_and_doubles_none(
    slack: Any, bot_env: dict[str, str], tmp_path: Path
) -> None:
    url = bot_env["DATABASE_URL"]
    first = _serve(bot_env, tmp_path, "first")
    started = [first]
    try:
        sender = SlackSender(first.url, SIGNING_SECRET, team_id=TEAM_ID)
        sender.command("declare sev2 Search down", user="UALICE", response_url=slack.response_url())
        incident = wait_for(lambda: _incident(url), timeout=30)
        first.kill()  # before the first update is due (3s)
        due = incident.next_update_due_at
        assert due is not None
        key = cadence.key_for(due)
        # Wait past the due time while no process runs, and lose the stored job too,
        # as if APScheduler had removed it just before a crash.
        time.sleep(max(0.0, (due - incident.declared_at).total_seconds() - 1.5))
        database = Database(url)
        with database.engine.begin() as connection:
            # (If the process died before scheduling it, there is nothing to delete.)
            connection.execute(text("DELETE FROM apscheduler_jobs WHERE id LIKE 'update_due:%'"))
        database.dispose()

        second = _serve(bot_env, tmp_path, "second")
        started.append(second)
        wait_for(
            lambda: (cadence.REMIND, key) in reminders_in(slack, incident.channel_id), timeout=20
        )
        second.kill()  # before the escalation (1s after the reminder) has gone out
        third = _serve(bot_env, tmp_path, "third")
        started.append(third)
        wait_for(
            lambda: (cadence.ESCALATE, key) in reminders_in(slack, incident.channel_id), timeout=20
        )
        # Stop the cycle, then check that everything went out exactly once.
        SlackSender(third.url, SIGNING_SECRET, team_id=TEAM_ID).command(
            "update Reindexing | next: 1h",
            channel=incident.channel_id,
            response_url=slack.response_url(),
        )
        _wait_until_next_update_after(url, due + timedelta(minutes=10))
        time.sleep(1.0)  # any straggler from the killed processes would show now
        posted = _assert_each_once(slack, incident.channel_id, url)
        assert posted[:2] == [(cadence.REMIND, key), (cadence.ESCALATE, key)]
    finally:
        for process in started:
            process.stop()


@pytest.mark.skipif(backend() != "postgresql", reason="needs SITREP_TEST_POSTGRES_URL")
@pytest.mark.parametrize("bot_config", [SERVE_CONFIG])
def test_two_processes_on_postgresql_send_each_reminder_once_and_fail_over(
    slack: Any, bot_env: dict[str, str], tmp_path: Path
) -> None:
    url = bot_env["DATABASE_URL"]
    processes = [_serve(bot_env, tmp_path, "a"), _serve(bot_env, tmp_path, "b")]
    try:
        leader_line = "this process now runs scheduled jobs"
        leaders = wait_for(lambda: [p for p in processes if leader_line in p.output()], timeout=30)
        assert len(leaders) == 1  # exactly one runs jobs
        leader = leaders[0]
        follower = next(p for p in processes if p is not leader)

        # Declared through the follower: its jobs go to the shared store, the leader runs them.
        SlackSender(follower.url, SIGNING_SECRET, team_id=TEAM_ID).command(
            "declare sev1 Database failover", user="UALICE", response_url=slack.response_url()
        )
        incident = wait_for(lambda: _incident(url), timeout=30)
        # SEV1: every 2s, escalation 1s after each reminder; let two cycles run.
        wait_for(lambda: len(reminders_in(slack, incident.channel_id)) >= 3, timeout=30)
        leader.kill()
        killed_at = len(reminders_in(slack, incident.channel_id))
        # The survivor takes the lock and carries on.
        wait_for(lambda: leader_line in follower.output(), timeout=30)
        wait_for(lambda: len(reminders_in(slack, incident.channel_id)) >= killed_at + 2, timeout=30)
        SlackSender(follower.url, SIGNING_SECRET, team_id=TEAM_ID).command(
            "update Failover done | next: 1h",
            channel=incident.channel_id,
            response_url=slack.response_url(),
        )
        _wait_until_next_update_after(url, incident.declared_at + timedelta(minutes=10))
        time.sleep(1.0)
        posted = _assert_each_once(slack, incident.channel_id, url)
        kinds = Counter(kind for kind, _key in posted)
        assert kinds[cadence.REMIND] >= 2 and kinds[cadence.ESCALATE] >= 2
    finally:
        for process in processes:
            process.stop()
