"""Events Slack sends after the bot's own calls: member_joined_channel on create, invite, join."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.conftest import APP_TOKEN
from tests.emulator.helpers import slack_error
from tests.support.waiting import wait_for

SECRET = "emulator-events-secret"


class Receiver:
    """A request URL on loopback that checks Slack's signature and keeps each event."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers["X-Slack-Request-Timestamp"]
                base = b"v0:" + stamp.encode() + b":" + body
                expected = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
                if self.headers["X-Slack-Signature"] != expected:
                    receiver.bad_signatures += 1
                receiver.events.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def inner(self) -> list[dict[str, Any]]:
        return [e["event"] for e in self.events]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(emu: SlackEmulator) -> Iterator[Receiver]:
    found = Receiver()
    emu.subscribe(found.url, SECRET)
    yield found
    emu.unsubscribe()
    found.close()


def test_create_invite_and_join_send_member_joined_channel(
    emu: SlackEmulator, client: WebClient, receiver: Receiver
) -> None:
    channel = client.conversations_create(name="inc-1-db-down")["channel"]["id"]
    client.conversations_invite(channel=channel, users="U1,U2")
    wait_for(lambda: len(receiver.events) == 3)
    joined = receiver.inner()
    assert [(e["type"], e["user"], e.get("inviter")) for e in joined] == [
        ("member_joined_channel", "UBOT", None),
        ("member_joined_channel", "U1", "UBOT"),
        ("member_joined_channel", "U2", "UBOT"),
    ]
    assert {(e["channel"], e["channel_type"], e["team"]) for e in joined} == {
        (channel, "C", "T0000001")
    }
    envelope = receiver.events[0]
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert len({e["event_id"] for e in receiver.events}) == 3
    assert receiver.bad_signatures == 0
    assert [d["status"] for d in emu.deliveries] == [200, 200, 200]

    private = client.conversations_create(name="inc-2-quiet", is_private=True)["channel"]["id"]
    public = emu.add_channel("general", bot_member=False)
    client.conversations_join(channel=public)
    wait_for(lambda: len(receiver.events) == 5)
    assert [(e["channel"], e["channel_type"], e["user"]) for e in receiver.inner()[3:]] == [
        (private, "G", "UBOT"),
        (public, "C", "UBOT"),
    ]


def test_failed_calls_and_unsubscribed_apps_get_no_events(
    emu: SlackEmulator, client: WebClient, receiver: Receiver
) -> None:
    channel = client.conversations_create(name="inc-3-x")["channel"]["id"]
    wait_for(lambda: receiver.events)
    assert slack_error(client.conversations_invite, channel=channel, users="U1,U404")
    assert slack_error(client.conversations_create, name="inc-3-x") == "name_taken"
    client.conversations_invite(channel=channel, users="U1")  # the positive signal
    wait_for(lambda: len(receiver.events) == 2)
    assert [e["user"] for e in receiver.inner()] == ["UBOT", "U1"]

    emu.unsubscribe()
    client.conversations_invite(channel=channel, users="U2")
    client.conversations_create(name="inc-4-y")
    assert len(emu.deliveries) == 2


def test_the_events_have_slacks_shape(
    emu: SlackEmulator, client: WebClient, receiver: Receiver, api_ref: Path
) -> None:
    reference = json.loads((api_ref / "events" / "member_joined_channel.json").read_text())
    example = reference["example"]
    channel = client.conversations_create(name="inc-5-z")["channel"]["id"]
    client.conversations_invite(channel=channel, users="U1")
    wait_for(lambda: len(receiver.events) == 2)
    for event in receiver.inner():
        # Every field Slack documents except an Enterprise Grid id; event_ts as on every event.
        assert set(event) - {"event_ts"} <= set(example)
        assert {"type", "user", "channel", "channel_type", "team"} <= set(event)
        assert event["type"] == example["type"]


def test_socket_mode_apps_get_the_events_over_the_socket(
    emu: SlackEmulator, client: WebClient
) -> None:
    app = App(client=client, token_verification_enabled=False)
    seen: list[dict[str, Any]] = []

    @app.event("member_joined_channel")
    def joined(event: dict[str, Any]) -> None:
        seen.append(event)

    handler = SocketModeHandler(
        app, app_token=APP_TOKEN, web_client=WebClient(base_url=emu.api_url, token=APP_TOKEN)
    )
    handler.connect()
    try:
        assert emu.socket_connected()
        emu.subscribe(socket_mode=True)
        channel = client.conversations_create(name="inc-6-socket")["channel"]["id"]
        wait_for(lambda: seen)
        assert (seen[0]["user"], seen[0]["channel"]) == ("UBOT", channel)
    finally:
        emu.unsubscribe()
        handler.close()
