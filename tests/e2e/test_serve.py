"""``sitrep serve`` as operators run it: HTTP on waitress, and Socket Mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from emulator import SlackEmulator
from storage.db import Database
from storage.models import Incident
from tests.support.harness import SIGNING_SECRET, TEAM_ID
from tests.support.process import ServeProcess
from tests.support.signing import SlackSender
from tests.support.waiting import wait_for


@pytest.fixture
def serve(bot_env: dict[str, str], tmp_path: Path) -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for process in started:
        process.stop()


def ready_incidents(database_url: str) -> list[Incident]:
    database = Database(database_url)
    try:
        with database.session() as session:
            return list(session.scalars(select(Incident).where(Incident.setup_state == "ready")))
    finally:
        database.dispose()


def test_http_mode_serves_healthz_and_declares(
    slack: SlackEmulator, bot_env: dict[str, str], serve: list[ServeProcess], tmp_path: Path
) -> None:
    process = ServeProcess(bot_env, log_path=tmp_path / "serve.log")
    serve.append(process)
    process.wait_healthy()
    slack.subscribe(process.url, SIGNING_SECRET)
    health = requests.get(f"http://127.0.0.1:{process.port}/healthz", timeout=5)
    assert health.json() == {"ok": True, "database": "ok"}
    assert requests.get(process.url, timeout=5).status_code == 405

    sender = SlackSender(process.url, SIGNING_SECRET, team_id=TEAM_ID)
    reply = sender.command(
        "declare sev2 Checkout API returning 500s", response_url=slack.response_url()
    )
    assert reply.status_code == 200
    wait_for(lambda: ready_incidents(bot_env["DATABASE_URL"]), timeout=20)
    channel = slack.channel_by_name("inc-1-checkout-api-returning-500s")
    assert channel is not None and "UALICE" in channel.members
    # Slack's events about the new channel (the bot's join, the declarer's) were acknowledged.
    joins = wait_for(lambda: joined(slack, channel.id, 2))
    assert {(d["event"]["user"], d["status"]) for d in joins} == {("UBOT", 200), ("UALICE", 200)}


def joined(slack: SlackEmulator, channel_id: str, count: int) -> list[dict]:
    found = [
        d
        for d in slack.deliveries
        if d["event"]["type"] == "member_joined_channel" and d["event"]["channel"] == channel_id
    ]
    return found if len(found) == count else []


def test_socket_mode_declares_the_same_way(
    slack: SlackEmulator, bot_env: dict[str, str], serve: list[ServeProcess], tmp_path: Path
) -> None:
    process = ServeProcess(bot_env, "--socket", log_path=tmp_path / "socket.log")
    serve.append(process)
    assert slack.socket_connected(timeout=30), process.output()
    slack.subscribe(socket_mode=True)

    payload = slack.slash_command_payload(
        "/incident",
        "declare sev2 Checkout API returning 500s",
        user_id="UALICE",
        channel_id=slack.general_id,
    )
    slack.socket_send("slash_commands", payload, timeout=10)

    incident = wait_for(lambda: ready_incidents(bot_env["DATABASE_URL"]), timeout=20)[0]
    channel = slack.channel_by_name("inc-1-checkout-api-returning-500s")
    assert channel is not None and channel.id == incident.channel_id
    assert "UALICE" in channel.members
    assert incident.card_ts in channel.pins
    assert channel.topic
    assert any(m["ts"] == incident.broadcast_ts for m in slack.messages(slack.incidents_id))
    joins = wait_for(lambda: joined(slack, channel.id, 2))
    assert {(d["event"]["user"], d["status"]) for d in joins} == {("UBOT", 200), ("UALICE", 200)}
