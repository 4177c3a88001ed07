"""Authentication and request formats, checked over real HTTP."""

from __future__ import annotations

import json

import requests
from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.conftest import APP_TOKEN, BOT_TOKEN
from tests.emulator.helpers import slack_error


def test_auth_test_names_the_bot(client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "UBOT" and answer["team_id"] == "T0000001"


def test_wrong_token_is_invalid_auth(emu: SlackEmulator) -> None:
    bad = WebClient(base_url=emu.api_url, token="xoxb-wrong")
    assert slack_error(bad.auth_test) == "invalid_auth"


def test_missing_token_is_not_authed(emu: SlackEmulator) -> None:
    assert slack_error(WebClient(base_url=emu.api_url).auth_test) == "not_authed"


def test_app_token_cannot_call_bot_methods(emu: SlackEmulator) -> None:
    app = WebClient(base_url=emu.api_url, token=APP_TOKEN)
    assert slack_error(app.chat_postMessage, channel="C1", text="x") == "not_allowed_token_type"


def test_connections_open_needs_the_app_token(emu: SlackEmulator, client: WebClient) -> None:
    assert slack_error(client.apps_connections_open, app_token=BOT_TOKEN) == "invalid_auth"
    url = client.apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith(f"ws://127.0.0.1:{emu.port}/socket-mode?ticket=")


def test_form_body_with_token_field_and_json_body_with_header(emu: SlackEmulator) -> None:
    channel = emu.add_channel("formats")
    form = requests.post(
        f"{emu.api_url}chat.postMessage",
        timeout=5,
        data={
            "token": BOT_TOKEN,
            "channel": channel,
            "text": "form",
            "blocks": json.dumps([{"type": "divider"}]),
        },
    ).json()
    assert form["ok"] and form["message"]["blocks"] == [{"type": "divider"}]
    as_json = requests.post(
        f"{emu.api_url}chat.postMessage",
        timeout=5,
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
        json={"channel": channel, "text": "json", "blocks": [{"type": "divider"}]},
    ).json()
    assert as_json["ok"] and [m["text"] for m in emu.messages(channel)] == ["form", "json"]


def test_json_body_cannot_carry_the_token(emu: SlackEmulator) -> None:
    """Slack reads the token of a JSON request from the Authorization header only."""
    answer = requests.post(f"{emu.api_url}auth.test", json={"token": BOT_TOKEN}, timeout=5).json()
    assert answer == {"ok": False, "error": "not_authed"}


def test_bad_json_and_non_object(emu: SlackEmulator) -> None:
    headers = {"Authorization": f"Bearer {BOT_TOKEN}", "Content-Type": "application/json"}
    url = f"{emu.api_url}auth.test"
    assert (
        requests.post(url, data="{", headers=headers, timeout=5).json()["error"] == "invalid_json"
    )
    assert (
        requests.post(url, data="[1]", headers=headers, timeout=5).json()["error"]
        == "json_not_object"
    )


def test_get_works_for_read_methods(emu: SlackEmulator) -> None:
    answer = requests.get(
        f"{emu.api_url}users.info",
        params={"user": "U1"},
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
        timeout=5,
    ).json()
    assert answer["user"]["name"] == "alice"


def test_unknown_method_and_call_log(emu: SlackEmulator, client: WebClient) -> None:
    assert slack_error(client.api_call, "chat.sendTelepathically") == "unknown_method"
    client.users_info(user="U1")
    assert emu.calls[-1] == ("users.info", {"user": "U1"})
    assert emu.calls_to("chat.sendTelepathically") == [{}]
