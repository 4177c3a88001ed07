"""The bot's Web API client retries only what is safe to send twice, against the emulator."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_client import make_client, safe_to_repeat
from config import load_settings
from emulator import SlackEmulator
from tests.support.harness import bot_environment


@pytest.fixture
def client(slack: SlackEmulator, tmp_path) -> WebClient:
    env = bot_environment(slack, f"sqlite:///{tmp_path / 'unused.db'}")
    return make_client(load_settings(env).env)


def posts(slack: SlackEmulator) -> list[str]:
    return [m.get("text", "") for m in slack.messages(slack.general_id)]


def test_a_server_error_on_a_post_is_not_sent_again(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.server_error("chat.postMessage", status=503)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=slack.general_id, text="Deploy is rolling back")
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_lost_answer_to_a_post_leaves_one_message(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.drop_response("chat.postMessage")
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel=slack.general_id, text="Deploy is rolling back")
    assert posts(slack) == ["Deploy is rolling back"]


def test_reads_and_idempotent_writes_are_retried(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.server_error("conversations.setTopic", status=503)
    client.conversations_setTopic(channel=slack.general_id, topic="SEV2 checkout")
    assert slack.channel(slack.general_id).topic == "SEV2 checkout"
    slack.drop_response("users.info")
    assert client.users_info(user="UBOB")["user"]["name"] == "bob"
    assert len(slack.calls_to("users.info")) == 2


def test_a_rate_limited_post_is_waited_out_and_posted_once(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.rate_limit("chat.postMessage", count=1, retry_after=0)
    client.chat_postMessage(channel=slack.general_id, text="Mitigated")
    assert posts(slack) == ["Mitigated"]


@pytest.mark.parametrize(
    ("method", "safe"),
    [
        ("chat.postMessage", False),
        ("chat.postEphemeral", False),
        ("conversations.create", False),
        ("views.open", False),
        ("files.completeUploadExternal", False),
        ("canvases.edit", False),
        ("chat.delete", False),
        ("conversations.history", True),
        ("users.profile.get", True),
        ("chat.getPermalink", True),
        ("pins.add", True),
        ("conversations.invite", True),
        ("chat.update", True),
    ],
)
def test_which_methods_count_as_safe_to_repeat(method: str, safe: bool) -> None:
    assert safe_to_repeat(method) is safe
