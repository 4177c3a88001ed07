"""Events that could not be written, kept whole so that nothing Slack was told we received is lost.

The capture writer sends an event here when its write fails for a reason
waiting cannot cure, when the database stayed busy past every retry, when the
queue is full, or when the process stops before writing it. ``sitrep doctor``
and ``/metrics`` report them; ``sitrep dead-letters replay`` applies them once
the cause is fixed. If even this table cannot be written, the event is logged
at ERROR with its whole payload: never dropped in silence.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import metrics
from bot.services import Services
from bot.workflows import capture_events
from bot.workflows.db_writes import AfterCommit, run_after_commit, transact
from bot.workflows.slack_messages import Identity
from storage.db import Database
from storage.models import DeadLetter
from storage.models.operations import FAILED, QUEUE_FULL, SHUTDOWN

log = logging.getLogger(__name__)

__all__ = ["FAILED", "QUEUE_FULL", "SHUTDOWN", "count", "record", "replay"]

RECORD_ATTEMPTS = 3
ERROR_LIMIT = 2000


def payload_of(job: capture_events.Job) -> dict[str, object]:
    return {
        "event": job.event,
        "event_time": job.event_time,
        "incident_id": job.incident_id,
        "identity": {"user_id": job.identity.user_id, "bot_id": job.identity.bot_id},
    }


def job_of(letter: DeadLetter) -> capture_events.Job:
    payload = letter.payload or {}
    identity = payload.get("identity") or {}
    return capture_events.Job(
        kind=letter.kind,
        event=payload.get("event") or {},
        channel_id=letter.channel_id or "",
        incident_id=payload.get("incident_id"),
        event_id=letter.event_id,
        event_time=payload.get("event_time"),
        identity=Identity(user_id=identity.get("user_id"), bot_id=identity.get("bot_id")),
    )


def record(
    db: Database,
    jobs: Iterable[capture_events.Job],
    reason: str,
    error: BaseException | str,
    attempts: int = 0,
) -> bool:
    """Keep ``jobs`` as dead letters; False (and each one logged whole) when that fails too."""
    jobs = list(jobs)
    text = str(error)[:ERROR_LIMIT]

    def work(session: Session) -> None:
        for job in jobs:
            session.add(
                DeadLetter(
                    source="capture",
                    reason=reason,
                    kind=job.kind,
                    event_id=job.event_id,
                    channel_id=job.channel_id,
                    payload=payload_of(job),
                    error=text,
                    attempts=attempts,
                )
            )

    try:
        transact(db, work, max_attempts=RECORD_ATTEMPTS)
    except Exception as exc:
        metrics.UNSTORABLE.inc(len(jobs))
        for job in jobs:
            log.error(
                "event %s could not be stored nor kept as a dead letter (%s; then %s); "
                "its payload, to replay by hand: %s",
                job.event_id,
                text,
                exc,
                json.dumps({"kind": job.kind, "channel_id": job.channel_id, **payload_of(job)}),
            )
        return False
    metrics.DEAD_LETTERS_WRITTEN.labels(reason).inc(len(jobs))
    log.warning("kept %d event(s) as dead letters (%s): %s", len(jobs), reason, text)
    return True


def count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(DeadLetter)) or 0


@dataclass
class Replayed:
    applied: int = 0
    failed: int = 0


def replay(services: Services, limit: int | None = None) -> Replayed:
    """Apply each dead letter as capture would have, deleting it in the same transaction.

    Reaction hooks do not run again: they talk to Slack about something that
    happened a while ago.
    """
    result = Replayed()
    with services.db.session() as session:
        query = select(DeadLetter.id).order_by(DeadLetter.id)
        ids = list(session.scalars(query.limit(limit) if limit else query))
    for letter_id in ids:

        def work(session: Session, letter_id: int = letter_id) -> list[AfterCommit]:
            letter = session.get(DeadLetter, letter_id)
            if letter is None:
                return []
            job = job_of(letter)
            session.delete(letter)
            return capture_events.apply(session, services, job)

        try:
            for after in transact(services.db, work, max_attempts=RECORD_ATTEMPTS):
                run_after_commit(after)
            result.applied += 1
        except Exception as exc:
            result.failed += 1
            log.warning("dead letter %d still cannot be applied: %s", letter_id, exc)
    return result
