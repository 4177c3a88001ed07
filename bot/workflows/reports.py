"""The monthly Incident Intelligence report: built once, posted once per month and workspace.

The delivery row (``digest_deliveries``, kind ``monthly-report``, keyed by
workspace and month) is claimed before posting (``storage.claims``), so a
second process or a rerun after a crash does not post the same month twice;
a failed post releases it so the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select

from bot.services import Services
from bot.workflows import broadcast
from bot.workflows.sharing import Posted, Upload, post_with_files
from core.analytics import charts, report
from core.analytics.periods import Period
from storage import claims
from storage.models import Incident
from storage.types import utcnow

log = logging.getLogger(__name__)
KIND = "monthly-report"
STALE_CLAIM = timedelta(minutes=15)


def build(services: Services, team_id: str, period: Period, now: datetime) -> report.Report:
    config = services.settings.config
    with services.db.session() as session:
        return report.build(
            session,
            team_id,
            period,
            config.severities,
            config.analytics,
            now=now,
            window_days=config.action_items.completion_window_days,
        )


def markdown(services: Services, built: report.Report) -> str:
    return services.templates.text("text/report.md.j2", report=built) + "\n"


def teams(services: Services) -> list[str]:
    with services.db.session() as session:
        return sorted(set(session.scalars(select(Incident.team_id).distinct())))


def _occasion(team_id: str, month: str) -> dict[str, str]:
    """The delivery row that claims one workspace's report for one month; no person."""
    return {"team_id": team_id, "user_id": "", "week": month, "kind": KIND}


def post_monthly(
    services: Services,
    client: WebClient,
    team_id: str,
    period: Period,
    *,
    force: bool = False,
) -> Posted | None:
    """Post the report for ``period``; None when it was already posted."""
    channel = services.settings.config.analytics.report_channel
    month = period.start.strftime("%Y-%m")
    ledger = claims.DIGEST_DELIVERIES
    if force:
        claims.reopen(services.db, ledger, _occasion(team_id, month))
    held = claims.claim(
        services.db, ledger, _occasion(team_id, month), now=utcnow(), stale_after=STALE_CLAIM
    )
    if held is None:
        return None
    try:
        built = build(services, team_id, period, utcnow())
        message = services.templates.message("messages/monthly_report.json.j2", report=built)
        document = Upload(
            f"incident-intelligence-{month}.md",
            f"Incident Intelligence: {period.label}",
            markdown(services, built).encode("utf-8"),
        )
        drawn = charts.all_charts(built.stats, services.settings.config.severities.keys)
        channel_id = broadcast.resolve_channel(services, client, channel) or channel
        uploads = [document, *(Upload(c.filename, c.title, c.png) for c in drawn)]
        posted = post_with_files(client, channel_id, message, uploads)
    except Exception:
        claims.release(services.db, ledger, held)
        raise
    claims.finish(
        services.db,
        ledger,
        held.id,
        "sent",
        channel_id=posted.channel,
        ts=posted.ts,
        sent_at=utcnow(),
    )
    return posted
