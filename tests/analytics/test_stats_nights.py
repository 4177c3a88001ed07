"""Night counts read each message in the writer's zone as it was that day, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import load_config
from core.analytics import stats
from core.analytics.periods import Period
from storage.models import SlackUser, TimelineEvent
from tests.analytics.history import stored_incident
from tests.support.harness import TEAM_ID, RunningBot

YEAR = Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), "2025")


def test_berlin_nights_follow_summer_time(bot: RunningBot) -> None:
    config = load_config(None)
    with bot.services.db.session() as session:
        # Slack reports today's offset (winter, +1h); in July Berlin was at +2h.
        for user in ("UBERLIN", "UEARLY"):
            session.add(SlackUser(user_id=user, tz="Europe/Berlin", tz_offset=3600))
        for number, user, at in (
            (1, "UBERLIN", datetime(2025, 7, 10, 20, 30, tzinfo=UTC)),  # 22:30 CEST: night
            (2, "UBERLIN", datetime(2025, 1, 10, 22, 30, tzinfo=UTC)),  # 23:30 CET: night
            (3, "UEARLY", datetime(2025, 7, 20, 4, 30, tzinfo=UTC)),  # 06:30 CEST: morning
        ):
            incident = stored_incident(
                session, number, at - timedelta(hours=1), severity="SEV1", ic="UALICE",
                resolve=timedelta(hours=3),
            )  # fmt: skip
            session.add(
                TimelineEvent(
                    incident_id=incident.id,
                    kind="message",
                    user_id=user,
                    text="still digging",
                    occurred_at=at,
                    ts=f"{number}.0",
                    channel_id=incident.channel_id,
                )
            )
    with bot.services.db.session() as session:
        result = stats.compute(
            session,
            TEAM_ID,
            YEAR,
            config.severities,
            config.analytics,
            now=datetime(2026, 1, 1, tzinfo=UTC),
        )
    nights = {r.user_id: r.nights for r in result.responders}
    assert nights["UBERLIN"] == 2
    assert nights.get("UEARLY", 0) == 0
