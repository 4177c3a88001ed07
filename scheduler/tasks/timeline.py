"""``timeline.prune-processed``: forget event ids Slack can no longer redeliver.

Slack retries an event for about an hour, so ids older than a week are dead
weight in ``processed_events``; messages stay unique on (channel, ts) anyway.
"""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import delete

from bot.services import Services
from config import Settings
from scheduler.registry import task
from storage.models import ProcessedEvent
from storage.types import utcnow

KEEP_FOR = timedelta(days=7)


def _hourly(_settings: Settings) -> IntervalTrigger:
    return IntervalTrigger(hours=1, timezone="UTC")


@task("timeline.prune-processed", "forget Slack event ids older than a week", trigger=_hourly)
def prune_processed(services: Services) -> str:
    with services.db.session() as session:
        gone = session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.received_at < utcnow() - KEEP_FOR)
        ).rowcount
    return f"forgot {gone} processed event ids"
