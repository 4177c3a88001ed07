"""``/incident stats``: the numbers from stored facts, and the charts uploaded to Slack."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from config import load_config
from core.analytics import stats
from core.analytics.periods import parse_period
from storage.models import ActionItem, SlackUser, TimelineEvent
from storage.types import utcnow
from tests.analytics.history import stored_incident
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def bot_config() -> dict:
    return {"analytics": {"fatigue": {"sev12_incidents": 3, "nights": 2, "ic_hours": 100}}}


def at_utc_hour(days_ago: int, hour: int):  # noqa: ANN201
    moment = utcnow() - timedelta(days=days_ago)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def build_history(bot: RunningBot) -> None:
    """Five incidents in the last 30 days, two in the 30 before, with their follow-up."""
    with bot.services.db.session() as session:
        for user, tz, offset in (
            ("UALICE", "America/New_York", -18000),
            ("UBOB", "Europe/Berlin", 3600),
            ("UDAN", "UTC", 0),
        ):
            if session.get(SlackUser, user) is None:
                session.add(SlackUser(user_id=user, tz=tz, tz_offset=offset))
        # 04:00 UTC is 23:00 or midnight in New York: Alice is IC through the night.
        first = stored_incident(
            session,
            1,
            at_utc_hour(20, 4),
            severity="SEV1",
            services=["database"],
            category="capacity",
            ic="UALICE",
            detect=timedelta(minutes=10),
            acknowledge=timedelta(minutes=4),
            resolve=timedelta(hours=2),
        )
        stored_incident(
            session,
            2,
            at_utc_hour(12, 15),
            severity="SEV2",
            services=["database", "api"],
            category="capacity",
            ic="UALICE",
            detect=timedelta(minutes=30),
            acknowledge=timedelta(minutes=6),
            resolve=timedelta(hours=6),
        )
        third = stored_incident(
            session,
            3,
            at_utc_hour(8, 21),
            severity="SEV2",
            services=["api"],
            category="code-change",
            ic="UBOB",
            acknowledge=timedelta(minutes=2),
            resolve=timedelta(hours=1),
        )
        stored_incident(session, 4, at_utc_hour(6, 14), severity="SEV3", ic="UCAROL")
        stored_incident(
            session,
            5,
            at_utc_hour(3, 5),
            severity="SEV1",
            services=["database"],
            category="capacity",
            ic="UALICE",
            resolve=timedelta(hours=3),
            private=True,
            title="Customer data exposed",
        )
        # The previous 30 days: slower to resolve.
        for number, days in ((6, 40), (7, 50)):
            stored_incident(
                session,
                number,
                at_utc_hour(days, 12),
                severity="SEV2",
                services=["web"],
                ic="UDAN",
                resolve=timedelta(hours=8),
                acknowledge=timedelta(minutes=20),
            )
        # Dan, who holds no role this period, helps past midnight UTC during incident 3;
        # his two late messages are one night.
        for n, minutes in enumerate((150, 190)):
            session.add(
                TimelineEvent(
                    incident_id=third.id,
                    kind="message",
                    user_id="UDAN",
                    text="rolling back",
                    occurred_at=at_utc_hour(8, 21) + timedelta(minutes=minutes),
                    ts=f"{n}.0",
                    channel_id="CHIST0003",
                )
            )
        now = utcnow()
        for created, completed in (
            (now - timedelta(days=20), now - timedelta(days=17)),  # done within 30 days
            (now - timedelta(days=2), None),  # too young to count either way
            (now - timedelta(days=45), None),  # previous period, never done
        ):
            session.add(
                ActionItem(
                    incident_id=first.id,
                    text="follow up",
                    created_by="UALICE",
                    created_at=created,
                    completed_at=completed,
                    status="done" if completed else "open",
                )
            )


def test_stats_count_time_repeat_follow_through_and_load(bot: RunningBot) -> None:
    build_history(bot)
    config = load_config(None)
    now = utcnow()
    with bot.services.db.session() as session:
        result = stats.compute(
            session,
            "T0000001",
            parse_period("30d", now),
            config.severities,
            bot.services.settings.config.analytics,
            now=now,
        )
    assert result.count == 5 and result.previous_count == 2
    assert dict(result.by_severity) == {"SEV1": 2, "SEV2": 2, "SEV3": 1}
    assert list(result.by_severity) == [("SEV1", 2), ("SEV2", 2), ("SEV3", 1)]
    assert result.by_service[0] == ("database", 3)
    assert dict(result.by_category) == {"capacity": 3, "code-change": 1, "untagged": 1}
    assert result.detect.median == 20 * 60
    assert result.acknowledge.median == 4 * 60 and result.acknowledge.previous_median == 20 * 60
    # Resolve runs from the start of impact when known: 2h10m, 6h30m, 1h, 3h.
    assert result.resolve.count == 4
    assert result.resolve.median == (2 * 3600 + 600 + 3 * 3600) / 2
    assert result.resolve.previous_median == 8 * 3600 and result.resolve.change < 0
    assert [(r.incident.number, r.earlier.number) for r in result.repeats] == [(2, 1), (5, 2)]
    assert result.repeats[0].reason == "capacity on database"
    assert result.follow_through.share == 1.0 and result.follow_through.decided == 1
    assert result.follow_through.previous_share == 0.0

    alice = next(r for r in result.responders if r.user_id == "UALICE")
    assert (alice.incidents, alice.sev12) == (3, 3)
    assert alice.ic_hours == pytest.approx(11.0)
    assert alice.nights == 2  # IC at night during incidents 1 and 5
    assert alice.warnings == ["3 SEV1/SEV2 incidents", "2 nights"]
    bob = next(r for r in result.responders if r.user_id == "UBOB")
    assert bob.nights == 1 and bob.warnings == []  # IC of incident 3 at 22:00 in Berlin
    dan = next(r for r in result.responders if r.user_id == "UDAN")
    assert (dan.nights, dan.incidents, dan.ic_hours) == (1, 0, 0)
    assert result.responders[0].user_id == "UALICE"


def test_stats_command_posts_numbers_and_uploads_charts(bot: RunningBot) -> None:
    build_history(bot)
    slack = bot.emulator
    bot.command("stats 30d", channel=slack.general_id, user="UBOB")
    posted = wait_for(
        lambda: [m for m in slack.messages(slack.general_id) if "Incident stats" in m["text"]]
    )[0]
    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "*5 incidents* in the last 30 days" in text
    assert "SEV1 2 · SEV2 2 · SEV3 1" in text
    assert "`database` 3" in text and "`capacity` 3" in text
    assert "INC-2 repeats INC-1" in text
    assert "Customer data exposed" not in text  # private incidents are counted, not named
    assert "Time to resolve: 2.6h · ↓ 68% (better)" in text
    assert ":warning: *Fatigue:* <@UALICE>" in text
    assert "3 charts in the thread" in text

    wait_for(lambda: len([f for f in slack.files if f["thread_ts"] == posted["ts"]]) == 3)
    charts = [f for f in slack.files if f["thread_ts"] == posted["ts"]]
    assert {f["name"] for f in charts} == {
        "incidents-by-week.png",
        "time-to-resolve.png",
        "incidents-by-service.png",
    }
    for chart in charts:
        assert chart["content"].startswith(PNG) and chart["size"] > 5000
        assert chart["channels"] == [slack.general_id]


def test_stats_where_the_bot_cannot_post_go_to_a_dm(bot: RunningBot) -> None:
    slack = bot.emulator
    hidden = slack.add_channel("team-private-chat", members=["UALICE"], bot_member=False)
    bot.command("stats quarter", channel=hidden, user="UALICE")
    wait_for(lambda: [m for m in slack.dms("UALICE") if "Incident stats" in m["text"]])
    note = wait_for(lambda: [r for r in slack.responses if "direct message" in r["text"]])
    assert note[0]["response_type"] == "ephemeral"


def test_bad_periods_are_explained(bot: RunningBot) -> None:
    bot.command("stats fortnight")
    answer = wait_for(lambda: bot.emulator.responses)[0]
    assert "`fortnight` is not a period" in answer["text"] and "`90d`" in answer["text"]
