"""The scheduler's leader: one at a time across processes, and no transaction left open."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from scheduler.leader import LEASE_NAME, Leadership
from storage.db import Database
from storage.models import Lease
from storage.types import utcnow
from tests.support.databases import backend
from tests.support.process import LeaseContender

ROUNDS = 40


@pytest.fixture
def contenders(db: Database, database_url: str) -> Iterator[list[LeaseContender]]:
    started = [LeaseContender(database_url), LeaseContender(database_url)]
    try:
        yield started
    finally:
        for contender in started:
            contender.stop()


def _expire(db: Database) -> None:
    with db.session() as session:
        session.execute(
            update(Lease)
            .where(Lease.name == LEASE_NAME)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def test_two_processes_starting_together_make_exactly_one_leader(
    db: Database, contenders: list[LeaseContender]
) -> None:
    for round_number in range(ROUNDS):
        at = time.time() + 0.05
        for contender in contenders:
            contender.send(f"try {at}")
        answers = [contender.read() for contender in contenders]
        assert sorted(answers) == ["follower", "leader"], (round_number, answers)
        leader = contenders[answers.index("leader")]
        if round_number % 2 == 0 or backend() == "postgresql":
            leader.send("release")  # the next round races for a lease nobody holds
            assert leader.read() == "released"
        else:
            _expire(db)  # the next round races for a lease its holder let lapse


def test_the_holder_renews_and_the_other_waits_for_it_to_lapse(db: Database) -> None:
    first = Leadership(db, lease_ttl=timedelta(seconds=30))
    second = Leadership(db, lease_ttl=timedelta(seconds=30))
    try:
        assert first.try_acquire()
        assert first.try_acquire()  # renewing
        assert not second.try_acquire()
        if backend() == "sqlite":
            _expire(db)
            assert second.try_acquire()
            assert not first.try_acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.skipif(backend() != "postgresql", reason="the advisory lock is PostgreSQL's")
def test_keeping_the_lock_leaves_no_transaction_open(db: Database) -> None:
    leadership = Leadership(db)
    try:
        assert leadership.try_acquire()
        assert leadership.try_acquire()  # the keep-alive
        with db.engine.connect() as connection:
            idle = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            ).scalar()
        assert idle == 0
    finally:
        leadership.release()
