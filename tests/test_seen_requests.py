"""The shared record of handled requests, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.db import Database
from storage.models import SeenRequest
from storage.seen_requests import SeenRequests
from storage.types import utcnow


def keys(db: Database) -> list[str]:
    with db.session() as session:
        return sorted(session.scalars(select(SeenRequest.request_key)))


def test_only_the_first_claim_of_a_key_wins_across_instances(db: Database) -> None:
    later = utcnow() + timedelta(minutes=6)
    one, other = SeenRequests(db), SeenRequests(db)  # as two processes would hold them
    assert one.first_time("a" * 64, later)
    assert not other.first_time("a" * 64, later)
    assert not one.first_time("a" * 64, later)
    assert other.first_time("b" * 64, later)
    assert keys(db) == ["a" * 64, "b" * 64]


def test_expired_keys_are_dropped_and_may_be_claimed_again(db: Database) -> None:
    SeenRequests(db).first_time("old", utcnow() - timedelta(seconds=1))
    SeenRequests(db).first_time("new", utcnow() + timedelta(minutes=6))
    assert keys(db) == ["new"]  # the second instance's first claim purged
    assert SeenRequests(db).first_time("old", utcnow() + timedelta(minutes=6))
