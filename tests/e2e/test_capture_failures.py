"""The capture writer never stalls: errors are told apart, retries end, overflow is kept."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.services import Services
from bot.workflows import capture, capture_events, dead_letters
from bot.workflows.capture_writer import Writer
from bot.workflows.db_writes import GaveUp, is_transient, transact
from bot.workflows.slack_messages import Identity
from config import load_settings
from storage.db import Database, normalize_url
from storage.models import DeadLetter, Incident, Participant, TimelineEvent
from tests.e2e.test_timeline_capture import declare
from tests.support import slack_events as ev
from tests.support.databases import backend
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def error_of(db: Database, sql: str) -> BaseException:
    try:
        with db.session() as session:
            session.execute(text(sql))
    except Exception as exc:
        return exc
    raise AssertionError(f"{sql!r} did not fail")


def test_errors_are_transient_by_driver_code_not_by_exception_class(db: Database) -> None:
    missing = error_of(db, "SELECT * FROM no_such_table")
    assert not is_transient(missing)
    assert not is_transient(error_of(db, "SELECT nonsense FROM incidents"))
    if backend() == "sqlite":
        path = make_url(db.url).database
        assert path
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            impatient = sqlite3.connect(path, timeout=0)
            with pytest.raises(sqlite3.OperationalError) as locked:
                impatient.execute("INSERT INTO leases VALUES ('x', 'y', '2020-01-01')")
            impatient.close()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert locked.value.sqlite_errorname == "SQLITE_BUSY"
        assert is_transient(locked.value)
        return
    # PostgreSQL: a row lock taken NOWAIT (55P03) waits it out; a server that
    # does not answer is transient too.
    other = Database(db.url)
    try:
        with other.session() as writer:
            writer.execute(text("INSERT INTO leases VALUES ('x', 'y', now())"))
        with other.session() as holder:
            holder.execute(text("SELECT * FROM leases WHERE name = 'x' FOR UPDATE"))
            locked = error_of(db, "SELECT * FROM leases FOR UPDATE NOWAIT")
        assert getattr(getattr(locked, "orig", None), "sqlstate", None) == "55P03"
        assert is_transient(locked)
    finally:
        other.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    gone = create_engine(normalize_url(f"postgresql://nobody@127.0.0.1:{closed_port}/x"))
    try:
        with pytest.raises(Exception) as unreachable:
            gone.connect()
        assert is_transient(unreachable.value)
    finally:
        gone.dispose()


def test_a_busy_database_is_waited_out_only_so_many_times(db: Database) -> None:
    if backend() != "sqlite":
        pytest.skip("holds SQLite's one write lock")
    impatient = Database(db.url)
    event.listen(
        impatient.engine,
        "connect",
        lambda conn, _record: conn.execute("PRAGMA busy_timeout=0"),
    )
    path = make_url(db.url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    tries: list[int] = []
    try:
        with pytest.raises(GaveUp) as gave_up:
            transact(
                impatient,
                lambda s: s.execute(text("INSERT INTO leases VALUES ('x', 'y', '2020-01-01')")),
                on_retry=lambda: tries.append(1),
                max_attempts=3,
            )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        impatient.dispose()
    assert gave_up.value.attempts == 3 and len(tries) == 2
    assert is_transient(gave_up.value.__cause__)  # type: ignore[arg-type]


def test_an_event_that_can_never_be_written_is_a_dead_letter_and_capture_goes_on(
    bot: RunningBot,
) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    clock = ev.Clock()
    said = ev.message(channel, "UBOB", "the pool is exhausted", clock.next())
    bot.sender.event(said, event_id="EvSaid")
    writer = capture.for_services(bot.services).writer

    def stored() -> list[str]:
        with bot.services.db.session() as session:
            return list(
                session.scalars(select(TimelineEvent.text).where(TimelineEvent.ts.isnot(None)))
            )

    wait_for(stored)
    with bot.services.db.engine.begin() as connection:
        connection.execute(text("DROP TABLE participants"))

    bot.sender.event(ev.member(True, channel, "UCAROL", clock.next()), event_id="EvJoin")
    alert = ev.bot_message(channel, "BPAGER", "pager", "after the failure", clock.next())
    bot.sender.event(alert)

    # The writer did not stall on the reaction: the message after it is stored.
    assert wait_for(lambda: "after the failure" in stored(), timeout=20)
    assert writer.flush()
    with bot.services.db.session() as session:
        letters = list(session.scalars(select(DeadLetter)))
    assert [(d.kind, d.event_id, d.reason, d.channel_id) for d in letters] == [
        ("member_joined_channel", "EvJoin", "failed", channel)
    ]
    assert "participants" in letters[0].error
    assert dead_letters.count(bot.services.db) == 1

    # The cause fixed, the letter is applied as capture would have, and removed.
    Participant.__table__.create(bot.services.db.engine)
    assert dead_letters.replay(bot.services) == dead_letters.Replayed(applied=1, failed=0)
    assert dead_letters.count(bot.services.db) == 0
    with bot.services.db.session() as session:
        assert list(session.scalars(select(Participant.user_id))) == ["UCAROL"]


def _incident_with_channel(db: Database, channel: str) -> int:
    with db.session() as session:
        incident = Incident(
            team_id="T1", number=1, title="t", severity="sev2", declared_by="U1", channel_id=channel
        )
        session.add(incident)
        session.flush()
        return incident.id


@pytest.fixture
def services(db: Database) -> Iterator[Services]:
    yield Services.build(load_settings({"DATABASE_URL": db.url}), db=db)


def test_a_full_queue_keeps_the_overflow_as_a_dead_letter(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = _incident_with_channel(services.db, "CFULL")
    release, entered = threading.Event(), threading.Event()

    def stuck(_s: Session, _sv: Services, _i: Incident, _j: capture_events.Job) -> list[Any]:
        entered.set()
        release.wait(30)
        return []

    monkeypatch.setitem(capture_events.APPLIERS, "test_stuck", stuck)
    writer = Writer(services, batch_size=1, queue_size=3)

    def job(kind: str, n: int) -> capture_events.Job:
        return capture_events.Job(
            kind=kind,
            event={
                "type": "message",
                "user": "U2",
                "text": f"m{n}",
                "ts": f"17000000{n:02d}.000100",
            },
            channel_id="CFULL",
            incident_id=incident_id,
            event_id=f"Ev{n}",
            identity=Identity(),
        )

    writer.submit(job("test_stuck", 0))
    assert entered.wait(10)  # the writer is busy with the first event
    for n in range(1, 4):
        writer.submit(job("message", n))  # fills the queue
    # No room: submit waits a second, then keeps the event aside. The stuck batch is
    # let go two seconds after that, while the dead letter waits for SQLite's write
    # lock (held by the stuck batch's transaction) well within the busy timeout.
    unstick = threading.Timer(3.0, release.set)
    unstick.start()
    writer.submit(job("message", 4))
    unstick.join()
    assert writer.flush()
    with services.db.session() as session:
        letters = list(session.scalars(select(DeadLetter)))
        texts = sorted(session.scalars(select(TimelineEvent.text)))
    assert [(d.reason, d.event_id) for d in letters] == [("queue_full", "Ev4")]
    assert texts == ["m1", "m2", "m3"]
    assert dead_letters.replay(services).applied == 1
    with services.db.session() as session:
        assert sorted(session.scalars(select(TimelineEvent.text))) == ["m1", "m2", "m3", "m4"]
