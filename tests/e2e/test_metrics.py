"""``GET /metrics``: Prometheus text with every family an operator needs, and no ids."""

from __future__ import annotations

import re

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.workflows import capture
from emulator import SlackEmulator
from scheduler import registry
from tests.e2e.test_timeline_capture import declare, processed
from tests.support import slack_events as ev
from tests.support.harness import RunningBot, start_bot
from tests.support.waiting import wait_for


def scrape(bot: RunningBot) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = requests.get(bot.url.replace("/slack/events", "/metrics"), timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


def test_metrics_hold_every_family_and_count_what_happened(bot: RunningBot) -> None:
    slack = bot.emulator
    slack.rate_limit("conversations.create", count=1, retry_after=1)
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    clock = ev.Clock()
    before = processed(bot)  # Slack's own events about the declare (the declarer's join)
    for i in range(3):
        bot.sender.event(ev.message(channel, "UBOB", f"message {i}", clock.next()))
    wait_for(lambda: processed(bot) >= before + 3)
    assert capture.for_services(bot.services).writer.flush()
    registry.run_task("timeline.prune-processed")
    wait_for(lambda: bot.services.scheduler.leading)

    found = scrape(bot)
    assert value(found, "sitrep_slack_requests_total", kind="command", outcome="ok") >= 1
    assert value(found, "sitrep_slack_requests_total", kind="event", outcome="ok") >= 3
    assert value(found, "sitrep_slack_ack_seconds_count", kind="command") >= 1
    assert value(found, "sitrep_slack_ack_seconds_bucket", kind="event", le="3.0") >= 3
    assert value(found, "sitrep_events_stored_total") >= 3
    assert "sitrep_capture_queue_depth" in found and "sitrep_capture_held" in found
    assert (
        value(found, "sitrep_slack_api_calls_total", method="conversations.create", outcome="ok")
        >= 1
    )
    assert (
        value(
            found,
            "sitrep_slack_api_calls_total",
            method="conversations.create",
            outcome="rate_limited",
        )
        >= 1
    )
    assert value(found, "sitrep_jobs_total", job="timeline.prune-processed", outcome="ok") >= 1
    assert value(found, "sitrep_job_seconds_count", job="timeline.prune-processed") >= 1
    assert value(found, "sitrep_scheduler_leader") == 1
    assert value(found, "sitrep_dead_letters") == 0

    text = requests.get(bot.url.replace("/slack/events", "/metrics"), timeout=5).text
    assert "# TYPE sitrep_integration_calls_total counter" in text
    assert "# TYPE sitrep_dead_letters_written_total counter" in text
    # Small label sets only: no user, channel or incident ids anywhere.
    for ident in ("UALICE", "UBOB", channel, "T0000001", "INC-"):
        assert ident not in text
    assert not re.search(r'="[UCDT][A-Z0-9]{6,}"', text)


@pytest.fixture
def metrics_off(bot_env: dict[str, str]) -> dict[str, str]:
    return {**bot_env, "SITREP_METRICS": "off"}


def test_metrics_can_be_turned_off(slack: SlackEmulator, metrics_off: dict[str, str]) -> None:
    bot = start_bot(slack, metrics_off)
    try:
        answer = requests.get(bot.url.replace("/slack/events", "/metrics"), timeout=5)
        assert answer.status_code == 404
        assert "SITREP_METRICS=off" in answer.text
    finally:
        bot.stop()
        from bot import metrics

        metrics.configure(True)
