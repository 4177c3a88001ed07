"""Status-update reminders, their escalation, IC fatigue, and the sweep that catches misses."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from bot.services import Services
from bot.slack_client import make_client
from bot.workflows import reminders
from config import Settings
from core import cadence
from scheduler.registry import task


def _sweep_trigger(settings: Settings) -> IntervalTrigger:
    interval = settings.config.lifecycle.cadence.sweep_interval
    return IntervalTrigger(seconds=interval.total_seconds())


@task("cadence.remind", "remind the Comms Lead (or IC) that a status update is due")
def remind(services: Services, incident_id: int | str, key: str) -> str:
    client = make_client(services.settings.env)
    return reminders.deliver(services, client, int(incident_id), cadence.REMIND, key)


@task("cadence.escalate", "call the IC and Deputy when an update is still missing after grace")
def escalate(services: Services, incident_id: int | str, key: str) -> str:
    client = make_client(services.settings.env)
    return reminders.deliver(services, client, int(incident_id), cadence.ESCALATE, key)


@task("cadence.ic_fatigue", "suggest an IC handoff after long hours with one commander")
def ic_fatigue(services: Services, incident_id: int | str, key: str) -> str:
    client = make_client(services.settings.env)
    return reminders.deliver(services, client, int(incident_id), cadence.FATIGUE, key)


@task(
    "cadence.sweep",
    "send any due reminder that a lost job missed (runs every cadence.sweep_interval)",
    trigger=_sweep_trigger,
)
def sweep(services: Services) -> str:
    sent = reminders.sweep(services, make_client(services.settings.env))
    return f"{sent} reminder(s) sent"
