"""Claim before post, on its own: one holder at a time, and a dead holder's claim taken over."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import update

from storage import claims
from storage.db import Database
from storage.models import DigestDelivery
from storage.types import utcnow

KEY = {"team_id": "", "user_id": "UBOB", "week": "2026-W48", "kind": "digest"}
STALE = timedelta(minutes=5)


def test_one_holder_at_a_time_until_it_finishes_releases_or_goes_stale(db: Database) -> None:
    ledger = claims.DIGEST_DELIVERIES
    now = utcnow()
    first = claims.claim(db, ledger, KEY, now=now, stale_after=STALE)
    assert first is not None and not first.retry
    assert claims.claim(db, ledger, KEY, now=now, stale_after=STALE) is None

    claims.release(db, ledger, first)
    again = claims.claim(db, ledger, KEY, now=now, stale_after=STALE)
    assert again is not None and again.id == first.id and not again.retry

    later = now + STALE
    taken = claims.claim(db, ledger, KEY, now=later, stale_after=STALE)
    assert taken is not None and taken.retry and taken.since == now
    assert claims.finish(db, ledger, taken.id, "sent")
    assert not claims.finish(db, ledger, taken.id, "sent")  # finished once only
    assert claims.claim(db, ledger, KEY, now=later + STALE * 2, stale_after=STALE) is None


def test_a_claim_whose_process_has_ended_is_taken_over_at_once(db: Database) -> None:
    ledger = claims.DIGEST_DELIVERIES
    now = utcnow()
    held = claims.claim(db, ledger, KEY, now=now, stale_after=STALE)
    assert held is not None
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    with db.session() as session:
        session.execute(
            update(DigestDelivery)
            .where(DigestDelivery.id == held.id)
            .values(claimed_by=f"{socket.gethostname()}:{ended.stdout.strip()}:dead")
        )
    assert claims.holder_is_gone(f"{socket.gethostname()}:{ended.stdout.strip()}:dead")
    assert not claims.holder_is_gone(claims.new_holder())  # this process runs
    assert not claims.holder_is_gone("elsewhere:1:x")  # another machine: only time tells
    taken = claims.claim(db, ledger, KEY, now=now, stale_after=STALE)
    assert taken is not None and taken.retry
