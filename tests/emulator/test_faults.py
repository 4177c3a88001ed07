"""Fault injection: errors, 429 with Retry-After (and slack_sdk's retry handler), 5xx, delays."""

from __future__ import annotations

import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from emulator import SlackEmulator
from tests.emulator.conftest import BOT_TOKEN
from tests.emulator.helpers import slack_error


def test_fail_next_answers_the_error_once(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("conversations.create", error="name_taken")
    assert slack_error(client.conversations_create, name="inc-fault") == "name_taken"
    assert client.conversations_create(name="inc-fault")["ok"]


def test_rate_limit_then_retry_handler_succeeds(emu: SlackEmulator) -> None:
    emu.rate_limit("auth.test", count=2, retry_after=0)
    patient = WebClient(
        base_url=emu.api_url,
        token=BOT_TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )
    assert patient.auth_test()["ok"]
    assert [name for name, _ in emu.calls] == ["auth.test"] * 3


def test_rate_limit_without_retry_is_a_429(emu: SlackEmulator, client: WebClient) -> None:
    emu.rate_limit("*", count=1, retry_after=7)
    try:
        client.users_info(user="U1")
    except SlackApiError as exc:
        assert exc.response.status_code == 429 and exc.response["error"] == "ratelimited"
        assert exc.response.headers["Retry-After"] in ("7", ["7"])
    else:
        raise AssertionError("expected a 429")


def test_server_error(emu: SlackEmulator, client: WebClient) -> None:
    emu.server_error("chat.postMessage", status=503)
    try:
        client.chat_postMessage(channel="C1", text="x")
    except SlackApiError as exc:
        assert exc.response.status_code == 503
    else:
        raise AssertionError("expected a 503")


def test_delay(emu: SlackEmulator, client: WebClient) -> None:
    emu.delay("auth.test", 0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


def test_reset_clears_faults(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("auth.test", error="invalid_auth")
    emu.reset()
    assert client.auth_test()["ok"]


def test_a_dropped_answer_after_the_call_took_effect(emu: SlackEmulator) -> None:
    emu.drop_response("conversations.create")
    bare = WebClient(base_url=emu.api_url, token=BOT_TOKEN, retry_handlers=[])
    try:
        bare.conversations_create(name="inc-lost")
    except ConnectionError:
        pass
    else:
        raise AssertionError("expected the connection to close without an answer")
    assert emu.channel_by_name("inc-lost") is not None  # Slack did create it
    assert slack_error(bare.conversations_create, name="inc-lost") == "name_taken"


def test_a_dropped_call_that_never_took_effect(emu: SlackEmulator) -> None:
    emu.drop_response("conversations.create", applied=False)
    bare = WebClient(base_url=emu.api_url, token=BOT_TOKEN, retry_handlers=[])
    try:
        bare.conversations_create(name="inc-never")
    except ConnectionError:
        pass
    else:
        raise AssertionError("expected the connection to close without an answer")
    assert emu.channel_by_name("inc-never") is None
    assert bare.conversations_create(name="inc-never")["ok"]


def test_a_rate_limit_that_lasts_a_while(emu: SlackEmulator, client: WebClient) -> None:
    emu.rate_limit("auth.test", seconds=1.5, retry_after=5)
    refused = 0
    while True:
        try:
            client.auth_test()
            break
        except SlackApiError as exc:
            assert exc.response.status_code == 429
            # Told to wait no longer than the limit has left to run.
            assert int(exc.response.headers["Retry-After"]) <= 2
            refused += 1
            time.sleep(0.2)
    assert refused >= 2
    assert client.users_info(user="U1")["ok"]  # other methods were never limited
