"""SIGTERM drains: every acknowledged event is written before the process exits 0."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from emulator import SlackEmulator
from scheduler import registry
from storage.db import Database
from storage.models import DeadLetter, Incident, Lease, TimelineEvent
from storage.types import utcnow
from tests.e2e.test_timeline_reliability import write_lock
from tests.support import slack_events as ev
from tests.support.databases import backend
from tests.support.harness import SIGNING_SECRET, TEAM_ID, RunningBot
from tests.support.process import ServeProcess
from tests.support.signing import SlackSender
from tests.support.waiting import wait_for

EVENTS = 500


def test_a_rolling_restart_loses_no_event_even_when_history_cannot_be_read_back(
    slack: SlackEmulator, bot_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**bot_env, "SITREP_SHUTDOWN_TIMEOUT": "20s"}
    database = Database(env["DATABASE_URL"])
    first = ServeProcess(env, log_path=tmp_path / "first.log")
    try:
        first.wait_healthy()
        sender = SlackSender(first.url, SIGNING_SECRET, team_id=TEAM_ID)
        sender.command("declare sev2 Checkout down", response_url=slack.response_url())

        def ready() -> str | None:
            with database.session() as session:
                return session.scalar(
                    select(Incident.channel_id).where(Incident.setup_state == "ready")
                )

        channel = wait_for(ready, 20)
        clock = ev.Clock()

        def texts() -> list[str]:
            with database.session() as session:
                return list(
                    session.scalars(
                        select(TimelineEvent.text)
                        .where(TimelineEvent.ts.is_not(None))
                        .order_by(TimelineEvent.occurred_at)
                    )
                )

        sender.event(ev.message(channel, "UBOB", "first", clock.next()))
        wait_for(lambda: texts() == ["first"], 20)

        with write_lock(env["DATABASE_URL"]) as stored:  # every event stays queued
            for i in range(EVENTS):
                answer = sender.event(ev.message(channel, "UBOB", f"m{i}", clock.next()))
                assert answer.status_code == 200
            assert stored() == 1
            first.proc.send_signal(signal.SIGTERM)  # at once, with 500 events unwritten
        assert first.proc.wait(timeout=60) == 0, first.output()
    finally:
        first.stop()
    assert "Sitrep stopped" in first.output()

    # Slack's history has none of them: only a write before exiting can have kept them.
    history = {m.get("text") for m in slack.messages(channel, include_replies=True)}
    assert not history & {f"m{i}" for i in range(EVENTS)}
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        if backend() == "sqlite":  # the leader lease was given up, not left to expire
            assert session.scalar(select(func.count()).select_from(Lease)) == 0

    second = ServeProcess(env, log_path=tmp_path / "second.log")
    try:
        second.wait_healthy()
        assert texts() == ["first"] + [f"m{i}" for i in range(EVENTS)]
    finally:
        second.stop()
        database.dispose()


def test_stopping_lets_a_running_job_finish_and_gives_up_leadership(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow(_services: object) -> None:
        started.set()
        release.wait(10)
        finished.set()

    monkeypatch.setitem(registry.TASKS, "test.slow", registry.Task("test.slow", slow, "slow"))
    scheduler = bot.services.scheduler
    wait_for(lambda: scheduler.leading)
    scheduler.schedule_once("test-slow-1", "test.slow", utcnow())
    assert started.wait(10)
    threading.Timer(0.5, release.set).start()  # the job is still running when stop begins
    assert scheduler.stop(wait_for_jobs=10)
    assert finished.is_set()
    assert not scheduler.leading
    if backend() == "sqlite":
        with bot.services.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Lease)) == 0
