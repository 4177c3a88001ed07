"""Nothing lost: a locked database delays capture but not the ack; downtime is backfilled."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.workflows import backfill, capture
from bot.workflows.reaction_hooks import HOOKS
from emulator import SlackEmulator
from storage.db import Database, normalize_url
from storage.models import Incident, Participant, ProcessedEvent, TimelineEvent
from tests.e2e.test_timeline_capture import declare, processed
from tests.support import slack_events as ev
from tests.support.databases import backend
from tests.support.harness import RunningBot, start_bot
from tests.support.process import ServeProcess
from tests.support.waiting import wait_for


def captured(bot: RunningBot) -> list[TimelineEvent]:
    with bot.services.db.session() as session:
        return list(
            session.scalars(
                select(TimelineEvent)
                .where(TimelineEvent.ts.is_not(None))
                .order_by(TimelineEvent.occurred_at)
            )
        )


@contextmanager
def write_lock(url: str) -> Iterator[Callable[[], int]]:
    """Hold the database's write lock from outside Sitrep; yields a count of processed events."""
    if backend() == "sqlite":
        path = make_url(url).database
        assert path
        # Waits its turn for the one write lock (Sitrep may be writing right now);
        # once held, every other writer waits.
        lock = sqlite3.connect(path, timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")

        def count() -> int:
            reader = sqlite3.connect(path)
            try:
                return reader.execute("SELECT count(*) FROM processed_events").fetchone()[0]
            finally:
                reader.close()

        try:
            yield count
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as lock:
            lock.execute(text("LOCK TABLE processed_events, timeline_events IN EXCLUSIVE MODE"))

            def pg_count() -> int:
                with engine.connect() as reader:
                    return reader.scalar(text("SELECT count(*) FROM processed_events")) or 0

            yield pg_count
            lock.rollback()
    finally:
        engine.dispose()


def test_a_locked_database_delays_capture_but_never_the_ack_and_loses_nothing(
    bot: RunningBot,
) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    writer = capture.for_services(bot.services).writer
    before = processed(bot)  # the declarer's join, which Slack sent after the invite
    clock = ev.Clock()
    events = [ev.message(channel, "UBOB", f"while locked {i}", clock.next()) for i in range(10)]

    with write_lock(bot.services.db.url) as stored:
        for i, event in enumerate(events):
            assert bot.sender.event(event, event_id=f"EvLocked{i}").status_code == 200
        # Every ack came back while the lock is still held, so none waited for a write.
        assert stored() == before
        if backend() == "sqlite":
            # The write outlasts SQLite's busy timeout, fails, and is tried again.
            wait_for(lambda: writer.retries > 0, timeout=30)
        # Slack's retries meanwhile are acknowledged too.
        assert bot.sender.event(events[0], event_id="EvLocked0", retry=1).status_code == 200
        assert stored() == before

    wait_for(lambda: processed(bot) == before + 10, timeout=30)
    assert writer.flush()
    assert [e.text for e in captured(bot)] == [f"while locked {i}" for i in range(10)]


def test_messages_posted_while_the_bot_was_down_are_captured_once_after_restart(
    slack: SlackEmulator, bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill, "PAGE_SIZE", 7)  # several pages of history and of replies
    first = start_bot(slack, bot_env)
    try:
        incident = declare(first)
        channel = incident.channel_id
        assert channel is not None
        joined = processed(first)  # the declarer's join, which Slack sent after the invite
        live_ts = slack.post_as_user(channel, "UBOB", "seen live")
        first.sender.event(ev.message(channel, "UBOB", "seen live", live_ts))
        wait_for(lambda: processed(first) == joined + 1)
    finally:
        first.stop()

    # Sitrep is down.
    down = [slack.post_as_user(channel, "UCAROL", f"while down {i}") for i in range(16)]
    for j in range(9):
        slack.post_as_user(channel, "UDAN", f"in thread {j}", thread_ts=down[3])
    slack.react_as_user(channel, down[5], "UCAROL", "pushpin")
    slack.react_as_user(channel, down[6], "UDAN", "warning")

    second = start_bot(slack, bot_env)  # start-up tasks have run when this returns
    try:
        rows = captured(second)
        texts = [r.text for r in rows]
        assert texts == (
            ["seen live"]
            + [f"while down {i}" for i in range(16)]
            + [f"in thread {j}" for j in range(9)]
        )
        assert {r.thread_ts for r in rows if r.text.startswith("in thread")} == {down[3]}
        assert {r.kind for r in rows if r.text.startswith("in thread")} == {"reply"}
        by_ts = {r.ts: r for r in rows}
        assert by_ts[down[5]].is_key and by_ts[down[6]].categories == ["customer_impact"]
        with second.services.db.session() as session:
            people = set(session.scalars(select(Participant.user_id)))
        assert people == {"UALICE", "UBOB", "UCAROL", "UDAN"}  # UALICE: invited by the declare

        # /incident sync finds nothing more, and says so.
        second.command("sync", user="UBOB", channel=channel)
        wait_for(
            lambda: [r for r in slack.responses if "already had everything" in r.get("text", "")]
        )
        # A message the bot never got an event for is added by /incident sync.
        slack.post_as_user(channel, "UBOB", "missed event")
        second.command("sync", user="UBOB", channel=channel)
        wait_for(lambda: [r for r in slack.responses if "1 new" in r.get("text", "")])
        assert captured(second)[-1].text == "missed event"
    finally:
        second.stop()

    third = start_bot(slack, bot_env)  # and a restart adds nothing twice
    try:
        assert len(captured(third)) == len(rows) + 1
        with third.services.db.session() as session:
            stored = session.scalar(select(func.count()).select_from(ProcessedEvent))
            assert stored == joined + 1
    finally:
        third.stop()


def test_a_new_reaction_runs_its_categorys_hook_once_after_the_write(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, dict[str, Any], str]] = []

    def hook(
        _services: Any, client: Any, incident_id: int, event: dict[str, Any], user: str
    ) -> None:
        assert client is not None
        calls.append((incident_id, event, user))

    monkeypatch.setitem(HOOKS, "finding", hook)
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    before = processed(bot)  # the declarer's join, which Slack sent after the invite
    clock = ev.Clock()
    said = ev.message(channel, "UBOB", "the pool is exhausted", clock.next())
    bot.sender.event(said)
    # Stored first, so the hook sees it; a reaction that overtakes its message
    # reaches the hook without it (the :dart: hook then reads it from Slack).
    wait_for(lambda: processed(bot) == before + 1)
    first = ev.reaction(True, "UCAROL", "mag", said, clock.next())
    bot.sender.event(first, event_id="EvMag1")
    bot.sender.event(first, event_id="EvMag1", retry=1)  # a redelivery
    bot.sender.event(ev.reaction(False, "UCAROL", "mag", said, clock.next()))
    bot.sender.event(ev.reaction(True, "UCAROL", "mag", said, clock.next()))  # back on
    bot.sender.event(ev.reaction(True, "UDAN", "bulb", said, clock.next()))  # no hook
    wait_for(lambda: processed(bot) == before + 5)
    wait_for(lambda: calls)
    assert capture.for_services(bot.services).writer.flush()
    assert len(calls) == 1
    incident_id, event, user = calls[0]
    assert (incident_id, user) == (incident.id, "UCAROL")
    assert event["reaction"] == "mag" and event["item"]["ts"] == said["ts"]
    assert event["message"]["text"] == "the pool is exhausted"
    assert "finding" in event["message"]["categories"]


def test_old_processed_event_ids_are_pruned_hourly(bot: RunningBot) -> None:
    from datetime import timedelta

    from scheduler.registry import TASKS
    from storage.types import utcnow

    task = TASKS["timeline.prune-processed"]
    assert task.trigger is not None
    with bot.services.db.session() as session:
        session.add(ProcessedEvent(event_id="EvOld", received_at=utcnow() - timedelta(days=8)))
        session.add(ProcessedEvent(event_id="EvNew", received_at=utcnow() - timedelta(hours=2)))
    assert task.func(bot.services) == "forgot 1 processed event ids"
    with bot.services.db.session() as session:
        assert list(session.scalars(select(ProcessedEvent.event_id))) == ["EvNew"]


def test_socket_mode_redeliveries_are_stored_once(
    slack: SlackEmulator, bot_env: dict[str, str], tmp_path: Path
) -> None:
    process = ServeProcess(bot_env, "--socket", log_path=tmp_path / "socket.log")
    try:
        assert slack.socket_connected(timeout=30), process.output()
        payload = slack.slash_command_payload(
            "/incident", "declare sev2 Search slow", user_id="UALICE", channel_id=slack.general_id
        )
        slack.socket_send("slash_commands", payload, timeout=10)
        channel = wait_for(lambda: slack.channel_by_name("inc-1-search-slow"), timeout=20).id
        wait_for(lambda: ready(bot_env["DATABASE_URL"]), timeout=20)
        envelope = slack.event_payload(ev.message(channel, "UBOB", "p99 at 4s", ev.Clock().next()))
        for _ in range(3):  # Slack redelivers on reconnects with the same event id
            slack.socket_send("events_api", envelope, timeout=10)
        database = Database(bot_env["DATABASE_URL"])
        try:

            def stored() -> list[str]:
                with database.session() as session:
                    return list(
                        session.scalars(
                            select(TimelineEvent.text).where(TimelineEvent.ts.is_not(None))
                        )
                    )

            assert wait_for(stored, timeout=20) == ["p99 at 4s"]
        finally:
            database.dispose()
    finally:
        process.stop()


def ready(database_url: str) -> bool:
    database = Database(database_url)
    try:
        with database.session() as session:
            return bool(session.scalar(select(func.count()).where(Incident.setup_state == "ready")))
    finally:
        database.dispose()
