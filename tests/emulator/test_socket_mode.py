"""Socket Mode: a real Bolt app and a raw WebSocket client against the emulator."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websocket
from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler as BuiltinHandler
from slack_bolt.adapter.socket_mode.websocket_client import (
    SocketModeHandler as WebsocketClientHandler,
)
from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.conftest import APP_TOKEN

Answer = Callable[[dict[str, Any]], dict[str, Any] | None]


class RawClient:
    """A minimal Socket Mode client: acks envelopes with what ``answer`` gives (None: no ack)."""

    def __init__(self, url: str, answer: Answer) -> None:
        self.conn = websocket.create_connection(url, timeout=5)
        self.hello = json.loads(self.conn.recv())
        self.answer = answer
        self.received: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                envelope = json.loads(self.conn.recv())
            except Exception:
                return
            self.received.append(envelope)
            ack = self.answer(envelope)
            if ack is not None:
                self.conn.send(json.dumps({"envelope_id": envelope["envelope_id"], **ack}))

    def close(self) -> None:
        """Close the socket; the reader thread ends with it."""
        self.conn.close()
        self.thread.join(2)


@pytest.fixture
def raw(emu: SlackEmulator, client: WebClient) -> Iterator[Callable[[Answer], RawClient]]:
    opened: list[RawClient] = []

    def connect(answer: Answer) -> RawClient:
        url = client.apps_connections_open(app_token=APP_TOKEN)["url"]
        opened.append(RawClient(url, answer))
        return opened[-1]

    yield connect
    for conn in opened:
        conn.close()


@pytest.mark.parametrize(
    "handler_class", [BuiltinHandler, WebsocketClientHandler], ids=["builtin", "websocket_client"]
)
def test_bolt_app_gets_a_slash_command_and_its_ack_comes_back(
    emu: SlackEmulator, client: WebClient, handler_class: Any
) -> None:
    channel = emu.add_channel("incidents", members=["U1"])
    app = App(client=client)

    @app.command("/incident")
    def incident(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack(f"Declaring: {command['text']}")
        respond(text="Declared", response_type="in_channel")

    handler = handler_class(app, app_token=APP_TOKEN)
    handler.connect()
    try:
        assert emu.socket_connected(timeout=5)
        payload = emu.slash_command_payload(
            "/incident", "sev1 db down", user_id="U1", channel_id=channel
        )
        assert emu.socket_send("slash_commands", payload) == {"text": "Declaring: sev1 db down"}
    finally:
        handler.close()
    [response] = emu.responses
    assert response["text"] == "Declared" and response["url"] == payload["response_url"]
    assert [m["text"] for m in emu.messages(channel)] == ["Declared"]


def test_hello_and_ack_without_payload(
    raw: Callable[[Answer], RawClient], emu: SlackEmulator
) -> None:
    conn = raw(lambda envelope: {})
    assert conn.hello["type"] == "hello"
    assert (
        emu.socket_send("events_api", {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi"})
        == {}
    )
    [envelope] = conn.received
    assert envelope["type"] == "events_api" and envelope["accepts_response_payload"] is False
    assert (
        envelope["payload"]["type"] == "event_callback"
        and envelope["payload"]["event"]["type"] == "app_mention"
    )


def test_no_ack_raises_timeout(raw: Callable[[Answer], RawClient], emu: SlackEmulator) -> None:
    raw(lambda envelope: None)
    with pytest.raises(TimeoutError):
        emu.socket_send("slash_commands", emu.slash_command_payload("/incident"), timeout=0.3)


def test_view_submission_ack_updates_the_modal(
    raw: Callable[[Answer], RawClient], emu: SlackEmulator, client: WebClient
) -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Declare"},
        "callback_id": "declare",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "step 1"}}],
    }
    opened = client.views_open(trigger_id=emu.new_trigger_id(user="U1"), view=view)["view"]
    step2 = {**view, "title": {"type": "plain_text", "text": "Step 2"}}
    conn = raw(lambda envelope: {"payload": {"response_action": "update", "view": step2}})
    values = {"title": {"title": {"type": "plain_text_input", "value": "DB down"}}}
    submission = emu.view_submission_payload(opened["id"], "U1", values)
    assert emu.socket_send("interactive", submission)["response_action"] == "update"
    assert conn.received[0]["accepts_response_payload"] is True
    assert conn.received[0]["payload"]["view"]["state"]["values"] == values
    assert emu.view(opened["id"])["title"]["text"] == "Step 2"  # type: ignore[index]


def test_not_connected(emu: SlackEmulator) -> None:
    assert emu.socket_connected(timeout=0.1) is False
    with pytest.raises(TimeoutError):
        emu.socket_send("slash_commands", {}, timeout=0.2)
