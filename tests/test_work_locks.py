"""Named locks in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from storage import work_locks
from storage.db import Database

MINUTE = timedelta(minutes=1)


def test_one_holder_at_a_time_until_released(db: Database) -> None:
    assert work_locks.take(db, "sync:1", "a", MINUTE)
    assert not work_locks.take(db, "sync:1", "b", MINUTE)
    assert work_locks.take(db, "sync:2", "b", MINUTE)  # another name is another lock
    work_locks.release(db, "sync:1", "b")  # not b's to release
    assert not work_locks.take(db, "sync:1", "b", MINUTE)
    work_locks.release(db, "sync:1", "a")
    assert work_locks.take(db, "sync:1", "b", MINUTE)


def test_a_lapsed_lock_may_be_taken_over(db: Database) -> None:
    assert work_locks.take(db, "sync:1", "dead", timedelta(seconds=-1))
    assert work_locks.take(db, "sync:1", "alive", MINUTE)
    assert not work_locks.take(db, "sync:1", "third", MINUTE)


def test_held_releases_on_the_way_out(db: Database) -> None:
    with work_locks.held(db, "sync:9", MINUTE) as mine:
        assert mine
        with work_locks.held(db, "sync:9", MINUTE) as second:
            assert not second
    with work_locks.held(db, "sync:9", MINUTE) as again:
        assert again
