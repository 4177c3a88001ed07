"""The acknowledged milestone over signed HTTP: the earliest reply, not the first processed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.timeline import ts_time
from storage.models import Milestone, TimelineEvent
from storage.types import utcnow
from tests.support import slack_events as ev
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def acknowledged(bot: RunningBot) -> tuple[datetime, str | None] | None:
    with bot.services.db.session() as session:
        row = session.scalars(select(Milestone).where(Milestone.kind == "acknowledged")).first()
        return (row.at, row.set_by) if row else None


def stored(bot: RunningBot, ts: str) -> bool:
    with bot.services.db.session() as session:
        return session.scalar(select(TimelineEvent.id).where(TimelineEvent.ts == ts)) is not None


def test_a_late_delivered_earlier_reply_moves_acknowledged_back(bot: RunningBot) -> None:
    incident = declare_and_wait(bot, "sev2 Checkout API returning 500s")
    channel = incident.channel_id
    assert channel is not None
    # Replies at 10:00 and 10:10 (in today's terms); Slack delivers the 10:10 one first,
    # as the start-up backfill does after an outage.
    ten = utcnow().replace(microsecond=0) - timedelta(hours=1)
    early, late = ev.Clock(ten.timestamp()).next(0), ev.Clock(ten.timestamp()).next(600)
    bot.sender.event(ev.message(channel, "UBOB", "on it", late))
    wait_for(lambda: acknowledged(bot) == (ts_time(late), "UBOB"))
    bot.sender.event(ev.message(channel, "UCAROL", "looking since the alert", early))
    wait_for(lambda: stored(bot, early))
    assert wait_for(lambda: acknowledged(bot)) == (ts_time(early), "UCAROL")
