"""Claim before post: how every message that must go out once is sent once.

A message that must not be sent twice (a reminder, a digest DM, a monthly
report, a pattern notice) has a row keyed by its occasion. Sending it is
always the same three steps:

1. ``claim``: in one short transaction, insert the row as pending, or take
   over a pending row nobody holds, with a compare-and-set on who holds it
   and since when, and commit. Exactly one process gets the claim.
2. Talk to Slack, with no transaction open, so slow or rate-limited Slack
   never holds SQLite's write lock or a PostgreSQL connection mid-transaction.
3. ``finish`` the row (sent, failed), or ``release`` it so the next run tries.

A claim is free again once it is older than the caller's ``stale_after``, or
at once when the process holding it ran on this machine and is gone: a crash
is resumed on the next run, while a live sender is never doubled.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.db import Database
from storage.models import DigestDelivery, SentReminder


@dataclass(frozen=True)
class Ledger:
    """A table of deliveries: which columns hold the state and the claim."""

    model: Any
    state: InstrumentedAttribute[str]
    claimed_by: InstrumentedAttribute[str | None]
    claimed_at: InstrumentedAttribute[Any]
    pending: str
    # True when a row holds nothing but its claim, so giving it back deletes it.
    forget_on_release: bool


SENT_REMINDERS = Ledger(
    model=SentReminder,
    state=SentReminder.state,
    claimed_by=SentReminder.claimed_by,
    claimed_at=SentReminder.sent_at,
    pending="sending",
    forget_on_release=True,
)

DIGEST_DELIVERIES = Ledger(
    model=DigestDelivery,
    state=DigestDelivery.status,
    claimed_by=DigestDelivery.claimed_by,
    claimed_at=DigestDelivery.claimed_at,
    pending="pending",
    forget_on_release=False,
)


@dataclass(frozen=True)
class Claim:
    id: int
    holder: str
    retry: bool  # an earlier attempt was cut short: it may have reached Slack
    since: datetime  # when the first attempt began, to look for what it posted


def new_holder() -> str:
    """This process, recognisably: host and pid say whether it still runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_is_gone(holder: str | None) -> bool:
    """True only when the holder ran on this host and its process has ended."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it runs, as someone else
        return False
    return False


def _same(column: InstrumentedAttribute[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def claim(
    database: Database,
    ledger: Ledger,
    key: dict[str, Any],
    *,
    now: datetime,
    stale_after: timedelta,
    values: dict[str, Any] | None = None,
) -> Claim | None:
    """Reserve the row for ``key``; None when it is finished or someone live holds it."""
    holder = new_holder()
    try:
        with database.session() as session:
            row = ledger.model(**key, **(values or {}))
            setattr(row, ledger.state.key, ledger.pending)
            setattr(row, ledger.claimed_by.key, holder)
            setattr(row, ledger.claimed_at.key, now)
            session.add(row)
            session.flush()
            return Claim(row.id, holder, retry=False, since=now)
    except IntegrityError:
        pass  # the row exists: take it over if it is pending and nobody holds it
    with database.session() as session:
        row = session.scalars(select(ledger.model).filter_by(**key)).first()
        if row is None or getattr(row, ledger.state.key) != ledger.pending:
            return None
        held_by = getattr(row, ledger.claimed_by.key)
        held_at = getattr(row, ledger.claimed_at.key)
        free = held_at is None or now - held_at >= stale_after or holder_is_gone(held_by)
        if not free:
            return None
        taken = session.execute(
            update(ledger.model)
            .where(
                ledger.model.id == row.id,
                ledger.state == ledger.pending,
                _same(ledger.claimed_by, held_by),
                _same(ledger.claimed_at, held_at),
            )
            .values({ledger.claimed_by.key: holder, ledger.claimed_at.key: now})
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            return None  # another process took it between our read and our write
        return Claim(row.id, holder, retry=held_at is not None, since=held_at or now)


def finish(
    database: Database,
    ledger: Ledger,
    claim_id: int,
    state: str,
    *,
    then: Callable[[Session], object] | None = None,
    **values: Any,
) -> bool:
    """Record the outcome, and in the same transaction ``then``'s follow-up writes;
    False (and nothing written) when the row was already finished by someone else."""
    with database.session() as session:
        done = session.execute(
            update(ledger.model)
            .where(ledger.model.id == claim_id, ledger.state == ledger.pending)
            .values({ledger.state.key: state, **values})
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            return False
        if then is not None:
            then(session)
        return True


def release(database: Database, ledger: Ledger, held: Claim) -> None:
    """Give the claim back after a failed send, so the next run tries again at once."""
    owned = (
        ledger.model.id == held.id,
        ledger.state == ledger.pending,
        ledger.claimed_by == held.holder,
    )
    with database.session() as session:
        if ledger.forget_on_release:
            session.execute(delete(ledger.model).where(*owned))
        else:
            session.execute(
                update(ledger.model)
                .where(*owned)
                .values({ledger.claimed_by.key: None, ledger.claimed_at.key: None})
                .execution_options(synchronize_session=False)
            )


def reopen(database: Database, ledger: Ledger, key: dict[str, Any]) -> None:
    """Make a finished delivery claimable again, for a deliberate resend."""
    match = [getattr(ledger.model, name) == value for name, value in key.items()]
    with database.session() as session:
        if ledger.forget_on_release:
            session.execute(delete(ledger.model).where(*match))
            return
        session.execute(
            update(ledger.model)
            .where(*match)
            .values(
                {
                    ledger.state.key: ledger.pending,
                    ledger.claimed_by.key: None,
                    ledger.claimed_at.key: None,
                }
            )
            .execution_options(synchronize_session=False)
        )
