"""``postmortem.remind``: the draft or the final of a postmortem has come due."""

from __future__ import annotations

from bot.services import Services
from bot.slack_client import make_client
from bot.workflows import postmortem_reminders
from scheduler.registry import task


@task(postmortem_reminders.TASK, "remind the IC that a postmortem draft or final is due")
def remind(services: Services, incident_id: int | str, stage: str, due: str) -> str:
    client = make_client(services.settings.env)
    return postmortem_reminders.remind(services, client, int(incident_id), stage, due)
