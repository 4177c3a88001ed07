"""``monthly-report``: the Incident Intelligence report, posted to the configured channel."""

from __future__ import annotations

from datetime import UTC

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.services import Services
from bot.slack_client import make_client
from bot.workflows import reports
from config import Settings
from core.analytics.periods import parse_period, previous_month
from scheduler.registry import task
from storage.types import utcnow


def _trigger(settings: Settings) -> BaseTrigger | None:
    config = settings.config.analytics
    if not config.report_channel:
        return None
    return CronTrigger(
        day=config.report_day,
        hour=config.report_time.hour,
        minute=config.report_time.minute,
        timezone=UTC,
    )


@task(
    "monthly-report",
    "post last month's Incident Intelligence report (args: [YYYY-MM] [force])",
    trigger=_trigger,
)
def monthly_report(services: Services, *args: str) -> str:
    """Report on last month, or the month given; ``force`` posts a month again."""
    channel = services.settings.config.analytics.report_channel
    if not channel:
        return "No report channel: set analytics.report_channel in the configuration."
    force = "force" in args
    months = [a for a in args if a != "force"]
    now = utcnow()
    period = parse_period(months[0], now) if months else previous_month(now)
    client = make_client(services.settings.env)
    lines = []
    for team_id in reports.teams(services) or [""]:
        posted = reports.post_monthly(services, client, team_id, period, force=force)
        if posted is None:
            lines.append(f"{period.label}: already posted for {team_id or 'this workspace'}.")
        else:
            lines.append(
                f"{period.label}: posted to #{channel} ({posted.channel} {posted.ts}) "
                f"with {posted.files} files."
            )
    return "\n".join(lines)
