"""Signature, timestamp and replay checks, over signed HTTP to the running bot."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import func, select

from emulator import SlackEmulator
from storage.models import Incident, SeenRequest
from tests.support.harness import SIGNING_SECRET, TEAM_ID, RunningBot, start_bot
from tests.support.signing import signature
from tests.support.waiting import wait_for

FORM = "application/x-www-form-urlencoded"


def reaching_bolt(bot: RunningBot) -> list[dict[str, Any]]:
    """Every request body that got past the checks to Bolt's listeners, in order.

    Counted in a Bolt middleware, which runs before the acknowledgement, so
    the list is complete for a request as soon as its HTTP response is back.
    """
    seen: list[dict[str, Any]] = []

    def count(body: dict[str, Any], next: Callable[[], None]) -> None:  # noqa: A002
        seen.append(body)
        next()

    bot.surface.app.middleware(count)
    return seen


def command_body(slack: SlackEmulator, text: str, response_url: str = "") -> bytes:
    return urlencode(
        {
            "team_id": TEAM_ID,
            "channel_id": slack.general_id,  # type: ignore[attr-defined]
            "user_id": "UALICE",
            "command": "/incident",
            "text": text,
            "api_app_id": "A0SITREP",
            "response_url": response_url or slack.response_url(),
            "trigger_id": f"trigger-{uuid.uuid4().hex}",
        }
    ).encode()


def post(url: str, body: bytes, timestamp: str, sig: str | None = None) -> requests.Response:
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sig or signature(SIGNING_SECRET, timestamp, body),
    }
    return requests.post(url, data=body, headers=headers, timeout=10)


def incident_count(bot: RunningBot) -> int:
    with bot.services.db.session() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


@pytest.mark.parametrize("timestamp", ["abc", "12.5", "1e9", "", "-5", "0x10"])
def test_a_malformed_timestamp_is_401_not_a_crash(bot: RunningBot, timestamp: str) -> None:
    body = command_body(bot.emulator, "help")
    reached = reaching_bolt(bot)
    response = post(bot.url, body, timestamp)
    assert response.status_code == 401
    assert "Traceback" not in response.text
    assert reached == []


def test_an_unsigned_form_with_a_broken_payload_is_401_not_a_crash(bot: RunningBot) -> None:
    body = b"payload=%7Bnot-json"
    response = post(bot.url, body, str(int(time.time())), sig="v0=" + "0" * 64)
    assert response.status_code == 401


def test_a_stale_or_wrongly_signed_request_never_reaches_the_listeners(bot: RunningBot) -> None:
    reached = reaching_bolt(bot)
    body = command_body(bot.emulator, "help")
    stale = str(int(time.time()) - 6 * 60)
    assert post(bot.url, body, stale).status_code == 401
    now = str(int(time.time()))
    assert post(bot.url, body, now, sig=signature("another-secret", now, body)).status_code == 401
    assert reached == []


def finished(bot: RunningBot, done_before: int) -> None:
    """Wait until the work pool has finished something more, and holds nothing."""
    pool = bot.surface.pool
    wait_for(lambda: pool.done > done_before and pool.held == 0, timeout=30)


def test_an_identical_signed_request_replayed_is_processed_once(bot: RunningBot) -> None:
    body = command_body(bot.emulator, "declare sev3 Replayed checkout alarm")
    now = str(int(time.time()))
    pool = bot.surface.pool

    assert post(bot.url, body, now).status_code == 200
    finished(bot, 0)
    assert bot.emulator.channel_by_name("inc-1-replayed-checkout-alarm")

    done = pool.done
    assert post(bot.url, body, now).status_code == 200  # acknowledged like the original
    finished(bot, done)  # the replay's work ran, and found it was done already

    assert incident_count(bot) == 1
    created = [call.get("name") for call in bot.emulator.calls_to("conversations.create")]
    assert created == ["inc-1-replayed-checkout-alarm"]


def test_the_same_body_signed_again_later_is_a_new_request(bot: RunningBot) -> None:
    url = bot.emulator.response_url()
    body = command_body(bot.emulator, "list", response_url=url)
    now = int(time.time())
    assert post(bot.url, body, str(now - 1)).status_code == 200
    assert post(bot.url, body, str(now)).status_code == 200
    wait_for(lambda: len([r for r in bot.emulator.responses if r.get("url") == url]) == 2)


def test_slack_retries_of_an_event_are_signed_afresh_and_still_arrive(bot: RunningBot) -> None:
    reached = reaching_bolt(bot)
    event = {
        "type": "message",
        "user": "UALICE",
        "text": "is anyone looking at checkout?",
        "channel": bot.emulator.general_id,  # type: ignore[attr-defined]
        "ts": f"{int(time.time())}.000100",
    }
    now = int(time.time())
    assert bot.sender.event(event, event_id="EvRetry1", timestamp=now - 1).status_code == 200
    assert bot.sender.event(event, event_id="EvRetry1", retry=1, timestamp=now).status_code == 200
    assert [b.get("event_id") for b in reached] == ["EvRetry1", "EvRetry1"]


class TestSeveralProcesses:
    @pytest.fixture
    def second(self, slack: SlackEmulator, bot_env: dict[str, str]) -> Iterator[RunningBot]:
        other = start_bot(slack, bot_env)
        yield other
        other.stop()

    def test_a_replay_sent_to_another_process_is_not_processed_there(
        self, bot: RunningBot, second: RunningBot
    ) -> None:
        body = command_body(bot.emulator, "declare sev3 Load balanced replay")
        now = str(int(time.time()))

        assert post(bot.url, body, now).status_code == 200
        finished(bot, 0)
        assert post(second.url, body, now).status_code == 200
        finished(second, 0)

        assert incident_count(bot) == 1
        created = [call.get("name") for call in bot.emulator.calls_to("conversations.create")]
        assert created == ["inc-1-load-balanced-replay"]


def test_handled_requests_are_forgotten_once_they_could_no_longer_pass(bot: RunningBot) -> None:
    body = command_body(bot.emulator, "list")
    sent = int(time.time())
    assert post(bot.url, body, str(sent)).status_code == 200
    finished(bot, 0)
    with bot.services.db.session() as session:
        rows = session.scalars(select(SeenRequest)).all()
    assert len(rows) == 1
    assert len(rows[0].request_key) == 64  # a hash: the signature itself is not kept
    assert sent + 5 * 60 < rows[0].expires_at.timestamp() <= sent + 10 * 60
