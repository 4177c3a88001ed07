"""The monthly Incident Intelligence report: the scheduled job, ``jobs run`` and ``report``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import cli
from core.analytics.periods import previous_month
from scheduler import registry
from storage.models import TimelineEvent
from storage.types import utcnow
from tests.analytics.history import stored_incident
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for
from tests.test_cli import sitrep


@pytest.fixture
def bot_config() -> dict:
    return {"analytics": {"report_channel": "incident-reports"}}


def last_month_history(bot: RunningBot) -> datetime:
    """Last month: a SEV1 with impact and an insight, a product opportunity, a private one."""
    start = previous_month(utcnow()).start
    with bot.services.db.session() as session:
        outage = stored_incident(
            session,
            1,
            start + timedelta(days=3),
            severity="SEV1",
            services=["exports"],
            category="capacity",
            resolve=timedelta(hours=2),
            title="Exports timing out",
        )
        outage.users_affected, outage.support_tickets, outage.customer_tier = 1200, 35, "enterprise"
        session.add(
            TimelineEvent(
                incident_id=outage.id,
                kind="message",
                user_id="UBOB",
                occurred_at=outage.declared_at,
                text="Customers export 50k-row reports; we designed for 1k",
                categories=["insight"],
            )
        )
        opportunity = stored_incident(
            session,
            2,
            start + timedelta(days=9),
            services=["api"],
            resolve=timedelta(hours=1),
            title="API quota exceeded by integrations",
        )
        opportunity.tags = ["product-opportunity"]
        stored_incident(
            session,
            3,
            start + timedelta(days=12),
            services=["exports"],
            category="capacity",
            resolve=timedelta(hours=3),
            private=True,
            title="Salary export leaked",
        )
    return start


def test_the_monthly_job_posts_three_views_and_the_full_report_once(bot: RunningBot) -> None:
    slack = bot.emulator
    channel = slack.add_channel("incident-reports", members=["UALICE"])
    last_month_history(bot)
    label = previous_month(utcnow()).label

    # The scheduler runs it (here: now, instead of on the 1st at 09:00 UTC).
    bot.services.scheduler.schedule_once(
        "monthly-report-test", "monthly-report", datetime.now(UTC) + timedelta(seconds=0.2)
    )
    summary = wait_for(
        lambda: [m for m in slack.messages(channel) if "Incident Intelligence" in m["text"]]
    )[0]
    blocks = json.dumps(summary["blocks"], ensure_ascii=False)
    assert f"Incident Intelligence: {label}" in blocks
    for view in ("For engineering", "For product", "For leadership"):
        assert view in blocks
    assert "3 incidents" in blocks and "1200 users affected" in blocks
    assert "Customers export 50k-row reports" in blocks
    assert "Salary export leaked" not in blocks

    wait_for(lambda: len([f for f in slack.files if f["thread_ts"] == summary["ts"]]) >= 3)
    files = {f["name"]: f for f in slack.files if f["thread_ts"] == summary["ts"]}
    document = files[f"incident-intelligence-{previous_month(utcnow()).start:%Y-%m}.md"]
    report = document["content"].decode()
    assert report.index("## For engineering") < report.index("## For product")
    assert report.index("## For product") < report.index("## For leadership")
    # INC-3 is private: its repeat is counted, never named, in a channel's report.
    assert "INC-3" not in report
    assert "1 this period" in report and "1 involving private incidents" in report
    assert "- By severity: SEV1 1, SEV2 2\n\n| Measure" in report
    assert "| exports | 2 | 2 | 5.0 |" in report
    assert "“Customers export 50k-row reports; we designed for 1k” (INC-1" in report
    assert "INC-2 API quota exceeded by integrations" in report  # the opportunity
    assert "enterprise (1)" in report
    assert "Salary export leaked" not in report
    assert "incidents-by-week.png" in files

    # Run again (a second process, a retry): the month is not posted twice.
    assert "already posted" in registry.run_task("monthly-report")
    assert len([m for m in slack.messages(channel) if "Incident Intelligence" in m["text"]]) == 1


def test_jobs_run_and_report_on_the_command_line(
    bot: RunningBot, bot_env: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    slack = bot.emulator
    channel = slack.add_channel("incident-reports", members=["UALICE"])
    start = last_month_history(bot)

    # `sitrep jobs run` as an operator types it, in its own process.
    ran = sitrep("jobs", "run", "monthly-report", f"{start:%Y-%m}", env=bot_env)
    assert ran.returncode == 0, ran.stderr
    assert "posted to #incident-reports" in ran.stdout
    assert [m for m in slack.messages(channel) if "Incident Intelligence" in m["text"]]

    # `sitrep report`, through the same entry point, in this process.
    for key, value in bot_env.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["report", "--since", f"{start:%Y-%m}", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == "sitrep.report/1"
    assert set(document) >= {"engineering", "product", "leadership"}
    assert document["engineering"]["incidents"] == 3
    assert document["engineering"]["by_root_cause_category"] == {"capacity": 2, "untagged": 1}
    assert document["product"]["users_affected"] == 1200
    assert [o["incident"] for o in document["product"]["opportunities"]] == ["INC-2"]
    assert document["leadership"]["sev1_sev2"] == 3

    assert cli.main(["report", "--since", "400d"]) == 0
    assert capsys.readouterr().out.startswith("# Incident Intelligence: last 400 days")

    assert cli.main(["report", "--since", "yesterday-ish"]) == 2
    assert "is not a period" in capsys.readouterr().err
