"""response_url posts and the payload builders tests use to drive the bot."""

from __future__ import annotations

import requests
from slack_sdk import WebClient

from emulator import SlackEmulator


def test_response_url_records_and_applies(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-respond", members=["U1"])
    ts = client.chat_postMessage(channel=channel, text="Ack this", blocks=[{"type": "divider"}])[
        "ts"
    ]
    clicked = emu.block_actions_payload("U1", channel, ts, action_id="ack", value="inc-1")
    assert clicked["message"]["text"] == "Ack this" and clicked["actions"][0]["value"] == "inc-1"
    url = clicked["response_url"]
    replaced = requests.post(
        url, json={"replace_original": True, "text": "Acked by alice"}, timeout=5
    )
    assert replaced.status_code == 200
    assert emu.messages(channel)[0]["text"] == "Acked by alice"
    requests.post(url, json={"response_type": "in_channel", "text": "IC is alice"}, timeout=5)
    assert [m["text"] for m in emu.messages(channel)] == ["Acked by alice", "IC is alice"]
    requests.post(url, json={"delete_original": True}, timeout=5)
    assert [m["text"] for m in emu.messages(channel)] == ["IC is alice"]
    assert [r.get("text") for r in emu.responses] == ["Acked by alice", "IC is alice", None]
    assert all(r["url"] == url for r in emu.responses)


def test_response_url_allows_five_posts(emu: SlackEmulator) -> None:
    url = emu.response_url()
    codes = [requests.post(url, json={"text": str(i)}, timeout=5).status_code for i in range(6)]
    assert codes == [200] * 5 + [404] and len(emu.responses) == 5
    assert requests.post(url.rsplit("/", 1)[0] + "/unknown", json={}, timeout=5).status_code == 404


def test_slash_command_payload_has_live_trigger(emu: SlackEmulator, client: WebClient) -> None:
    payload = emu.slash_command_payload("/incident", "declare", user_id="U1", channel_id="C1")
    assert payload["command"] == "/incident" and payload["user_name"] == "alice"
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": []}
    assert client.views_open(trigger_id=payload["trigger_id"], view=view)["ok"]
    assert emu.views[0]["user"] == "U1"


def test_state_dump_endpoint(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-dump")
    client.chat_postMessage(channel=channel, text="visible in the dump")
    state = requests.get(f"{emu.base_url}/_emulator/state", timeout=5).json()
    [dumped] = [c for c in state["channels"] if c["id"] == channel]
    assert dumped["messages"][0]["text"] == "visible in the dump"
