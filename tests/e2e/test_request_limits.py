"""What a stranger can make ``sitrep serve`` do without a valid signature: very little.

These run the real ``sitrep serve`` as a child process, so the memory figures
are that process's own, read from /proc.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from emulator import SlackEmulator
from tests.support.harness import SIGNING_SECRET, TEAM_ID, RunningBot
from tests.support.process import ServeProcess
from tests.support.raw_http import (
    half_sent_headers,
    memory_kb,
    post_chunked,
    post_large,
    reset_peak,
)
from tests.support.signing import SlackSender
from tests.support.waiting import wait_for

MB = 1024 * 1024


@pytest.fixture
def serving(bot_env: dict[str, str], tmp_path: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(bot_env, log_path=tmp_path / "serve.log")
    try:
        process.wait_healthy()
        yield process
    finally:
        process.stop()


def test_a_50_mb_unsigned_post_is_refused_with_413_without_the_process_growing(
    serving: ServeProcess,
) -> None:
    pid = serving.proc.pid
    before = memory_kb(pid, "VmRSS")
    fresh_peak = reset_peak(pid)

    assert post_large(serving.port, 50 * MB) == 413

    peak = memory_kb(pid, "VmHWM") if fresh_peak else memory_kb(pid, "VmRSS")
    grew = (max(peak, memory_kb(pid, "VmRSS")) - before) * 1024
    assert grew < 50 * MB, f"the process grew by {grew / MB:.0f} MB"
    assert requests.get(f"http://127.0.0.1:{serving.port}/healthz", timeout=10).ok


def test_a_body_streamed_without_a_length_is_cut_off_at_the_limit(bot: RunningBot) -> None:
    port = int(bot.url.split(":")[2].split("/")[0])
    assert post_chunked(port, 3 * MB) == 413


def test_a_body_at_the_limit_still_reaches_the_signature_check(bot: RunningBot) -> None:
    body = b"text=" + b"a" * (1 * MB - 5)
    response = bot.sender.post(body, "application/x-www-form-urlencoded", secret="wrong")
    assert response.status_code == 401


def test_healthz_answers_while_110_idle_connections_are_open(serving: ServeProcess) -> None:
    idle = [half_sent_headers(serving.port) for _ in range(110)]
    try:
        health = requests.get(f"http://127.0.0.1:{serving.port}/healthz", timeout=10)
        assert health.json() == {"ok": True, "database": "ok"}
    finally:
        for sock in idle:
            sock.close()


class TestIdleConnections:
    @pytest.fixture
    def bot_config(self) -> dict:
        return {"server": {"channel_timeout": "1s"}}

    def test_are_closed_after_the_channel_timeout(self, bot: RunningBot) -> None:
        port = int(bot.url.split(":")[2].split("/")[0])
        sock = half_sent_headers(port)
        sock.settimeout(30)

        def closed() -> bool:
            try:
                return sock.recv(1024) == b""
            except (ConnectionResetError, TimeoutError):
                return True

        try:
            assert wait_for(closed, timeout=30)
        finally:
            sock.close()


def test_request_bodies_never_reach_the_log(
    slack: SlackEmulator, serving: ServeProcess
) -> None:
    unsigned, unhandled = f"unsigned-{uuid.uuid4().hex}", f"unhandled-{uuid.uuid4().hex}"
    stranger = SlackSender(serving.url, "not-the-secret", team_id=TEAM_ID)
    assert stranger.command(f"declare {unsigned}").status_code == 401
    sender = SlackSender(serving.url, SIGNING_SECRET, team_id=TEAM_ID)
    # Signed, but nothing listens for it: Bolt logs such requests with their body.
    nobody = sender.interactive(
        {"type": "block_actions", "user": {"id": "UALICE"}, "trigger_id": "t",
         "actions": [{"action_id": "no_such_action", "value": unhandled}]}
    )
    assert nobody.status_code == 404
    assert requests.get(f"http://127.0.0.1:{serving.port}/healthz", timeout=10).ok

    log = serving.output()
    assert unsigned not in log
    assert unhandled not in log
