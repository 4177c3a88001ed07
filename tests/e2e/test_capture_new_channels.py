"""The first messages of a brand-new incident are kept, whichever process receives them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from emulator import SlackEmulator
from storage.db import Database, normalize_url
from storage.models import Incident, TimelineEvent
from tests.support import slack_events as ev
from tests.support.databases import backend
from tests.support.harness import SIGNING_SECRET, TEAM_ID
from tests.support.process import ServeProcess
from tests.support.signing import SlackSender
from tests.support.waiting import wait_for


@contextmanager
def incidents_locked(url: str) -> Iterator[Callable[[], None]]:
    """Keep every writer off ``incidents`` (readers go on) until the yielded release is called."""
    released: list[bool] = []
    if backend() == "sqlite":
        path = make_url(url).database
        assert path
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")

        def release() -> None:
            if not released:
                released.append(True)
                lock.execute("ROLLBACK")
                lock.close()

        try:
            yield release
        finally:
            release()
        return
    engine = create_engine(normalize_url(url))
    connection = engine.connect()
    connection.execute(text("LOCK TABLE incidents IN EXCLUSIVE MODE"))

    def pg_release() -> None:
        if not released:
            released.append(True)
            connection.rollback()
            connection.close()
            engine.dispose()

    try:
        yield pg_release
    finally:
        pg_release()


def test_messages_right_after_a_declare_in_another_process_are_all_captured(
    slack: SlackEmulator, bot_env: dict[str, str], tmp_path: Path
) -> None:
    declarer = ServeProcess(bot_env, log_path=tmp_path / "declarer.log")
    declarer.wait_healthy()  # migrated before the second starts
    other = ServeProcess(bot_env, log_path=tmp_path / "other.log")
    database = Database(bot_env["DATABASE_URL"])
    try:
        other.wait_healthy()
        to_other = SlackSender(other.url, SIGNING_SECRET, team_id=TEAM_ID)
        # Slack creates the channel while the declarer cannot yet save its id.
        slack.delay("conversations.create", 2.0)
        SlackSender(declarer.url, SIGNING_SECRET, team_id=TEAM_ID).command(
            "declare sev2 Payments failing", user="UALICE", response_url=slack.response_url()
        )
        clock = ev.Clock()
        sent: list[str] = []

        # The declarer has written all it writes before asking for the channel.
        wait_for(lambda: slack.calls_to("conversations.create"), 15)
        with incidents_locked(bot_env["DATABASE_URL"]) as release:
            channel = wait_for(lambda: slack.channel_by_name("inc-1-payments-failing"), 15).id
            # What Slack sends at once: the bot's own join, and people talking;
            # the other process looks the channel up now and finds no incident.
            to_other.event(ev.member(True, channel, "UBOT", clock.next()))
            for i in range(3):
                sent.append(f"before the id was saved {i}")
                to_other.event(ev.message(channel, "UBOB", sent[-1], clock.next()))
            release()

            def saved() -> bool:
                with database.session() as session:
                    return bool(
                        session.scalar(select(Incident.id).where(Incident.channel_id == channel))
                    )

            wait_for(saved, 15)
        for i in range(5):  # right after the declare, well inside any cache's lifetime
            sent.append(f"right after {i}")
            to_other.event(ev.message(channel, "UCAROL", sent[-1], clock.next()))

        def captured() -> list[str]:
            with database.session() as session:
                return list(
                    session.scalars(
                        select(TimelineEvent.text)
                        .where(TimelineEvent.ts.is_not(None), TimelineEvent.user_id != "UBOT")
                        .order_by(TimelineEvent.occurred_at)
                    )
                )

        wait_for(lambda: len(captured()) >= len(sent), timeout=20)
        assert captured() == sent
    finally:
        database.dispose()
        declarer.stop()
        other.stop()
