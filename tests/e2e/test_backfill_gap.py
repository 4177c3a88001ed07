"""After downtime the timeline says that history was read back, and for which span."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.workflows import capture
from emulator import SlackEmulator
from storage.models import TimelineEvent
from tests.e2e.test_timeline_capture import declare
from tests.support import slack_events as ev
from tests.support.harness import RunningBot, start_bot
from tests.support.waiting import wait_for


def stored(bot: RunningBot, ts: str) -> bool:
    with bot.services.db.session() as session:
        return session.scalar(select(TimelineEvent.id).where(TimelineEvent.ts == ts)) is not None


def test_the_timeline_records_when_history_was_backfilled_and_for_which_span(
    slack: SlackEmulator, bot_env: dict[str, str]
) -> None:
    first = start_bot(slack, bot_env)
    try:
        incident = declare(first)
        channel = incident.channel_id
        assert channel is not None
        live_ts = slack.post_as_user(channel, "UBOB", "seen live")
        first.sender.event(ev.message(channel, "UBOB", "seen live", live_ts))
        wait_for(lambda: stored(first, live_ts))
        # Slack's own events about the declare (joins) may still be queued: write them
        # all, so the last thing stored before the downtime is known.
        assert capture.for_services(first.services).writer.flush()
        with first.services.db.session() as session:
            last_seen = max(
                session.scalars(
                    select(TimelineEvent.recorded_at).where(
                        TimelineEvent.incident_id == incident.id
                    )
                )
            )
    finally:
        first.stop()

    # Down: a message, and a reaction put on and taken off again (no trace in history).
    slack.post_as_user(channel, "UCAROL", "while down")

    second = start_bot(slack, bot_env)  # start-up tasks have run when this returns
    try:
        with second.services.db.session() as session:
            notes = list(
                session.scalars(
                    select(TimelineEvent).where(
                        TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "system"
                    )
                )
            )
            texts = [r.text for r in session.scalars(select(TimelineEvent))]
        gaps = [n for n in notes if (n.data or {}).get("action") == "history_backfilled"]
        assert len(gaps) == 1
        since = datetime.fromisoformat(gaps[0].data["since"])
        until = datetime.fromisoformat(gaps[0].data["until"])
        assert since == last_seen and since < until
        assert gaps[0].occurred_at == until
        assert f"from {since:%Y-%m-%d %H:%M:%S} UTC to {until:%Y-%m-%d %H:%M:%S} UTC" in (
            gaps[0].text
        )
        assert "reaction added and removed" in gaps[0].text
        assert "while down" in texts
    finally:
        second.stop()
