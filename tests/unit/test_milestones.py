"""Milestones converge on the earliest moment, whatever order the moments arrive in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from config.reactions import parse_reactions
from core import milestones, timeline
from core.timeline import MessageRecord
from storage.db import Database
from storage.models import Incident, Milestone, TimelineEvent

MEANING = parse_reactions(None).meaning
CHANNEL = "CINC1"
TEN = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(db: Database) -> Database:
    with db.session() as session:
        session.add(
            Incident(
                team_id="T1",
                number=1,
                title="Checkout down",
                severity="SEV2",
                declared_by="UALICE",
                channel_id=CHANNEL,
            )
        )
    return db


def incident(session: Session) -> Incident:
    return session.query(Incident).one()


def acknowledged(db: Database) -> tuple[datetime, str | None]:
    with db.session() as session:
        row = session.query(Milestone).filter_by(kind="acknowledged").one()
        return row.at, row.set_by


def test_a_later_reply_processed_first_gives_way_to_the_earlier_one(db: Database) -> None:
    for at, user in [(TEN + timedelta(minutes=10), "UBOB"), (TEN, "UCAROL")]:
        with db.session() as session:
            milestones.record_first_response(session, incident(session), user, at)
    assert acknowledged(db) == (TEN, "UCAROL")
    with db.session() as session:
        later = TEN + timedelta(minutes=20)
        milestones.record_first_response(session, incident(session), "UDAN", later)
    assert acknowledged(db) == (TEN, "UCAROL")


def ts_at(moment: datetime) -> str:
    return f"{int(moment.timestamp())}.000000"


@pytest.mark.parametrize("batched", [False, True])
def test_captured_replies_in_every_order_acknowledge_at_the_earliest(
    db: Database, batched: bool
) -> None:
    replies = [
        MessageRecord(CHANNEL, ts_at(TEN + timedelta(minutes=10)), "message", "on it", "UBOB"),
        MessageRecord(CHANNEL, ts_at(TEN), "message", "looking", "UCAROL"),
        MessageRecord(CHANNEL, ts_at(TEN + timedelta(minutes=5)), "message", "here", "UDAN"),
    ]
    for order in itertools.permutations(replies):
        with db.session() as session:
            session.query(Milestone).delete()
            session.query(TimelineEvent).delete()
        if batched:  # one capture batch, as the writer stores a burst
            with db.session() as session:
                for record in order:
                    timeline.store_message(session, incident(session), record, MEANING)
        else:
            for record in order:
                with db.session() as session:
                    timeline.store_message(session, incident(session), record, MEANING)
        assert acknowledged(db) == (TEN, "UCAROL"), [r.user_id for r in order]
