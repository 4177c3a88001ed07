"""Acknowledgements never wait behind slow work, over HTTP and in Socket Mode.

Slow work here is real: declares whose ``conversations.create`` the emulator
answers only after a delay. The assertions are that each acknowledgement
arrives (within a waiting timeout far above Slack's 3 seconds, never a timing
bound) and says what it should.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from emulator import SlackEmulator
from storage.models import Incident
from tests.support.harness import RunningBot, start_socket_bot
from tests.support.waiting import wait_for

SLOW_CREATE = 4.0  # seconds the emulator holds each conversations.create
DECLARES = 15
WAIT = 10.0  # how long a test waits for an acknowledgement; Slack allows 3 s
QUEUED = "Yours is queued"


def ready(bot: RunningBot) -> list[Incident]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(Incident).where(Incident.setup_state == "ready")))


def declares_finish(bot: RunningBot, count: int) -> None:
    """Every declare done and answered, so no slow work outlives the test."""
    wait_for(lambda: len(ready(bot)) == count, timeout=120)
    assert bot.surface.pool.wait_idle(timeout=60)


def help_text(answer: dict[str, Any]) -> str:
    return answer.get("text", "") + json.dumps(answer.get("blocks", []))


# ----- HTTP ---------------------------------------------------------------------


def test_help_is_acknowledged_with_its_answer_while_15_declares_wait_on_slack(
    bot: RunningBot,
) -> None:
    slack = bot.emulator
    slack.delay("conversations.create", SLOW_CREATE, count=DECLARES)
    for n in range(DECLARES):
        assert bot.command(f"declare sev2 Slow Slack {n}").status_code == 200

    helped = bot.sender.command("help", response_url=slack.response_url())
    assert helped.status_code == 200
    answer = helped.json()
    assert answer["response_type"] == "ephemeral"
    assert "Sitrep: incident commands" in help_text(answer)
    assert "declare" in help_text(answer) and "timeline" in help_text(answer)

    declares_finish(bot, DECLARES)


def test_work_that_must_wait_for_a_worker_is_acknowledged_as_queued(bot: RunningBot) -> None:
    slack = bot.emulator
    workers = bot.surface.pool.workers
    slack.delay("conversations.create", SLOW_CREATE, count=workers + 1)
    acks = [bot.command(f"declare sev3 Busy {n}") for n in range(workers + 1)]
    assert all(a.status_code == 200 for a in acks)
    assert all(not a.content for a in acks[:workers])  # a worker was free for each
    queued = acks[-1].json()
    assert queued["response_type"] == "ephemeral"
    assert QUEUED in queued["text"]

    declares_finish(bot, workers + 1)
    # The queued one was declared all the same, and told so.
    assert any("INC-" in r.get("text", "") for r in slack.responses)


class TestModalChecks:
    """A form that checks a person with Slack before acknowledging."""

    def test_a_slow_slack_makes_the_form_say_try_again_in_time(self, bot: RunningBot) -> None:
        slack = bot.emulator
        incident = wait_declared(bot, "sev3 Form checks")
        opened = open_action_item_form(bot, incident)
        slack.delay("users.info", 30.0, count=1)
        submitted = bot.sender.interactive(
            slack.view_submission_payload(
                opened["id"],
                "UALICE",
                {
                    "text": {"value": {"type": "plain_text_input", "value": "Add pool alerts"}},
                    "owner": {"value": {"type": "users_select", "selected_user": "UBOB"}},
                    "due": {"value": {"type": "plain_text_input", "value": ""}},
                    "priority": {
                        "value": {"type": "static_select", "selected_option": {"value": "p2"}}
                    },
                },
            )
        )
        assert submitted.status_code == 200
        answer = submitted.json()
        assert answer["response_action"] == "errors"
        assert "try again" in answer["errors"]["owner"]


class TestQueuedNotices:
    @pytest.fixture
    def bot_config(self) -> dict:
        return {"server": {"work_threads": 1}}

    def test_a_form_submitted_while_busy_becomes_a_queued_view_and_is_still_done(
        self, bot: RunningBot
    ) -> None:
        slack = bot.emulator
        bot.command("declare", trigger_id=slack.new_trigger_id(), channel=slack.general_id)
        opened = wait_for(lambda: slack.views)[-1]
        slack.delay("conversations.create", SLOW_CREATE, count=2)
        assert not bot.command("declare sev3 Holding the only worker").content

        values = {
            "title": {"value": {"type": "plain_text_input", "value": "Submitted while busy"}},
            "severity": {"value": {"type": "static_select", "selected_option": {"value": "SEV3"}}},
        }
        submitted = bot.sender.interactive(
            slack.view_submission_payload(opened["id"], "UALICE", values)
        )
        answer = submitted.json()
        assert answer["response_action"] == "update"
        assert "queued" in json.dumps(answer["view"])

        declares_finish(bot, 2)
        assert {i.title for i in ready(bot)} == {"Holding the only worker", "Submitted while busy"}

    def test_a_shortcut_used_while_busy_is_answered_with_a_queued_note(
        self, bot: RunningBot
    ) -> None:
        slack = bot.emulator
        slack.delay("conversations.create", SLOW_CREATE, count=1)
        assert not bot.command("declare sev3 Holding the only worker").content
        ts = slack.post_as_user(slack.general_id, "UBOB", "checkout is down")
        bot.sender.interactive(
            {
                "type": "message_action",
                "callback_id": "declare_from_message",
                "trigger_id": slack.new_trigger_id(),
                "response_url": slack.response_url(slack.general_id, "UALICE"),
                "user": {"id": "UALICE"},
                "channel": {"id": slack.general_id},
                "message": {"type": "message", "user": "UBOB", "ts": ts, "text": "down"},
            }
        )
        note = wait_for(lambda: [e for e in slack.ephemerals if QUEUED in e.get("text", "")])
        assert note[0]["user"] == "UALICE"
        declares_finish(bot, 1)


def wait_declared(bot: RunningBot, text: str) -> Incident:
    before = len(ready(bot))
    bot.command(f"declare {text}")
    return wait_for(lambda: len(ready(bot)) > before and ready(bot)[-1])


def open_action_item_form(bot: RunningBot, incident: Incident) -> dict[str, Any]:
    slack = bot.emulator
    ts = slack.post_as_user(incident.channel_id, "UBOB", "We should alert on the pool")
    before = len(slack.views)
    bot.sender.interactive(
        {
            "type": "message_action",
            "callback_id": "create_action_item",
            "trigger_id": slack.new_trigger_id(),
            "response_url": slack.response_url(incident.channel_id, "UALICE"),
            "user": {"id": "UALICE"},
            "channel": {"id": incident.channel_id},
            "message": {"type": "message", "user": "UBOB", "ts": ts, "text": "alert"},
        }
    )
    return wait_for(lambda: slack.views[before:] and slack.views[-1])


# ----- Socket Mode --------------------------------------------------------------


@pytest.fixture
def socket_bot(slack: SlackEmulator, bot_env: dict[str, str]) -> Iterator[RunningBot]:
    running = start_socket_bot(slack, bot_env)
    yield running
    running.stop()


def test_socket_mode_acknowledges_help_while_15_declares_wait_on_slack(
    socket_bot: RunningBot,
) -> None:
    slack = socket_bot.emulator

    def send(text: str) -> dict[str, Any]:
        payload = slack.slash_command_payload(
            "/incident", text, user_id="UALICE", channel_id=slack.general_id
        )
        return slack.socket_send("slash_commands", payload, timeout=WAIT)

    slack.delay("conversations.create", SLOW_CREATE, count=DECLARES)
    answers = [send(f"declare sev2 Slow socket {n}") for n in range(DECLARES)]
    workers = socket_bot.surface.pool.workers
    assert all(QUEUED in a.get("text", "") for a in answers[workers:])

    answer = send("help")
    assert answer["response_type"] == "ephemeral"
    assert "Sitrep: incident commands" in help_text(answer)

    declares_finish(socket_bot, DECLARES)
