"""core.timeline on a real database: every delivery order converges to the same state."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from config.reactions import parse_reactions
from core import timeline
from core.timeline import MessageRecord, ts_time
from storage.db import Database
from storage.models import Incident, Milestone
from storage.types import utcnow

MEANING = parse_reactions(None).meaning
CHANNEL = "CINC1"


@pytest.fixture
def db(db: Database) -> Database:
    """The migrated database with one incident whose channel is ``CHANNEL``."""
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
    found = session.query(Incident).one()
    return found


def ts(n: int) -> str:
    return f"{1_790_000_000 + n}.{n:06d}"


Op = Callable[[Session], object]


def run_in_order(db: Database, ops: list[Op], keys: list[tuple[str, str]] | None) -> None:
    """Each op in its own transaction, or (with ``keys``) all in one prefetched batch."""
    if keys is None:
        for op in ops:
            with db.session() as session:
                op(session)
        return
    with db.session() as session:
        timeline.prefetch(session, [], keys)
        for op in ops:
            op(session)


@pytest.mark.parametrize("batched", [False, True])
def test_message_edit_and_reactions_in_every_order_end_the_same(
    db: Database, batched: bool
) -> None:
    for n, order in enumerate(itertools.permutations(range(5))):
        base = n * 100
        msg_ts = ts(base)
        original = MessageRecord(CHANNEL, msg_ts, "message", "pool exhausted", user_id="UBOB")
        edited = MessageRecord(
            CHANNEL,
            msg_ts,
            "message",
            "pool exhausted on primary",
            user_id="UBOB",
            edited_at=ts_time(ts(base + 2)),
        )

        def react(user: str, added: bool, at: int, msg_ts: str = msg_ts) -> Op:
            def op(session: Session) -> None:
                when = ts_time(ts(at))
                if added:
                    timeline.add_reaction(session, CHANNEL, msg_ts, "pushpin", user, when)
                else:
                    timeline.remove_reaction(session, CHANNEL, msg_ts, "pushpin", user, when)
                timeline.refresh_curation(session, CHANNEL, msg_ts, MEANING)

            return op

        ops: list[Op] = [
            lambda s, r=original: timeline.store_message(s, incident(s), r, MEANING),
            lambda s, r=edited: timeline.edit_message(s, incident(s), r, MEANING),
            react("UBOB", True, base + 3),
            react("UBOB", False, base + 4),
            react("UCAROL", True, base + 5),
        ]
        run_in_order(db, [ops[i] for i in order], [(CHANNEL, msg_ts)] if batched else None)
        with db.session() as session:
            row = timeline.find_message(session, CHANNEL, msg_ts)
            assert row is not None, order
            state = (row.text, row.edited_at, row.is_key, row.occurred_at)
            assert state == (
                "pool exhausted on primary",
                ts_time(ts(base + 2)),
                True,
                ts_time(msg_ts),
            ), order


@pytest.mark.parametrize("batched", [False, True])
def test_a_deletion_wins_in_every_order(db: Database, batched: bool) -> None:
    for n, order in enumerate(itertools.permutations(range(3))):
        msg_ts = ts(10_000 + n * 10)
        original = MessageRecord(CHANNEL, msg_ts, "reply", "wrong", "UDAN", thread_ts=ts(1))
        edited = MessageRecord(
            CHANNEL, msg_ts, "reply", "still wrong", "UDAN", thread_ts=ts(1), edited_at=utcnow()
        )
        deleted_at = utcnow() + timedelta(seconds=1)
        ops: list[Op] = [
            lambda s, r=original: timeline.store_message(s, incident(s), r, MEANING),
            lambda s, r=edited: timeline.edit_message(s, incident(s), r, MEANING),
            lambda s, r=original, t=msg_ts, at=deleted_at: timeline.delete_message(
                s, incident(s), CHANNEL, t, at, "UDAN", r, MEANING
            ),
        ]
        run_in_order(db, [ops[i] for i in order], [(CHANNEL, msg_ts)] if batched else None)
        with db.session() as session:
            row = timeline.find_message(session, CHANNEL, msg_ts)
            assert row is not None
            assert (row.text, row.deleted_at, row.deleted_by, row.thread_ts, row.kind) == (
                "",
                deleted_at,
                "UDAN",
                ts(1),
                "reply",
            ), order


def test_storing_twice_keeps_one_row_and_the_first_response_is_not_the_declarer(
    db: Database,
) -> None:
    own = MessageRecord(CHANNEL, ts(1), "message", "declaring", user_id="UALICE")
    other = MessageRecord(CHANNEL, ts(2), "message", "on it", user_id="UBOB")
    with db.session() as session:
        assert timeline.store_message(session, incident(session), own, MEANING) is not None
        assert timeline.store_message(session, incident(session), own, MEANING) is None
        assert session.query(Milestone).filter_by(kind="acknowledged").count() == 0
        timeline.store_message(session, incident(session), other, MEANING)
        ack = session.query(Milestone).filter_by(kind="acknowledged").one()
        assert (ack.set_by, ack.at) == ("UBOB", ts_time(ts(2)))
        assert len(timeline.all_events(session, incident(session))) == 2


def test_claiming_an_event_id_works_once(db: Database) -> None:
    with db.session() as session:
        assert timeline.claim_event(session, "Ev1") is True
        assert timeline.claim_event(session, "Ev1") is False
    with db.session() as session:
        assert timeline.claim_event(session, "Ev1") is False


def test_key_events_include_notes_and_system_events_but_not_deleted_messages(
    db: Database,
) -> None:
    with db.session() as session:
        inc = incident(session)
        pinned = MessageRecord(CHANNEL, ts(5), "message", "root cause", user_id="UBOB")
        gone = MessageRecord(CHANNEL, ts(6), "message", "typo", user_id="UBOB")
        for record in (pinned, gone):
            timeline.store_message(session, inc, record, MEANING)
            timeline.add_reaction(session, CHANNEL, record.ts, "pushpin", "UCAROL", record.at)
            timeline.refresh_curation(session, CHANNEL, record.ts, MEANING)
        timeline.delete_message(session, inc, CHANNEL, ts(6), utcnow(), None, None, MEANING)
        timeline.add_note(session, inc, "UCAROL", "paged the DBA", ts_time(ts(7)))
        texts = [e.text for e in timeline.key_events(session, inc)]
        assert texts == ["root cause", "paged the DBA"]
        assert [p.user_id for p in timeline.participants(session, inc)] == ["UBOB"]


def test_leaving_then_a_late_join_event_keeps_the_person_in(db: Database) -> None:
    with db.session() as session:
        inc = incident(session)
        join = MessageRecord(CHANNEL, ts(20), "join", "joined", user_id="UDAN")
        timeline.store_message(session, inc, join, MEANING)
        timeline.note_joined(session, inc, "UDAN", join.at)
        timeline.note_left(session, inc, "UDAN", ts_time(ts(10)))  # an old leave, late
        person = timeline.participants(session, inc)[0]
        assert person.left_at is None
        timeline.note_left(session, inc, "UDAN", ts_time(ts(30)))
        assert timeline.participants(session, inc)[0].left_at == ts_time(ts(30))
