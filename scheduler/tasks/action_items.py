"""``action-item-digest``: weekly digests, due-soon and overdue nudges, and IC escalations.

It runs every ``action_items.check_interval`` and sends only what has come
due, so each owner's digest goes out at their own local time and a run after
a crash picks up where the last one stopped.
"""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from bot.services import Services
from bot.slack_client import make_client
from bot.workflows import action_digest
from config import Settings
from scheduler.registry import task


def _every_check_interval(settings: Settings) -> IntervalTrigger:
    seconds = settings.config.action_items.check_interval.total_seconds()
    return IntervalTrigger(seconds=seconds, timezone="UTC")


@task(
    "action-item-digest",
    "DM owners their open action items weekly, nudge due and overdue ones, tell ICs of slips",
    trigger=_every_check_interval,
)
def action_item_digest(services: Services) -> str:
    report = action_digest.run(services, make_client(services.settings.env))
    return str(report)
