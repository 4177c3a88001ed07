"""Fixtures for the emulator's own tests: one server per session, reset per test.

Every test also asserts the emulator recorded no internal error, so a handler
crash or an error code missing from ``emulator/contract.py`` fails the test
that triggered it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.sandbox_app import World, sandbox_world

BOT_TOKEN = "xoxb-emulator-tests"
APP_TOKEN = "xapp-emulator-tests"
REF_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "slack-api-ref"


@pytest.fixture(scope="session")
def emu_server() -> Iterator[SlackEmulator]:
    """A running emulator shared by the session (starting one per test would be slow)."""
    emu = SlackEmulator(
        bot_token=BOT_TOKEN, app_token=APP_TOKEN, team_id="T0000001", bot_user_id="UBOT"
    )
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emu_server: SlackEmulator) -> Iterator[SlackEmulator]:
    """The emulator, reset, with two people (alice U1, bob U2) and a deleted user U9."""
    emu_server.reset()
    emu_server.add_user(
        "U1",
        name="alice",
        real_name="Alice A",
        tz="America/New_York",
        tz_offset=-18000,
        email="alice@example.com",
    )
    emu_server.add_user(
        "U2",
        name="bob",
        real_name="Bob B",
        tz="Europe/Berlin",
        tz_offset=3600,
        email="bob@example.com",
    )
    emu_server.add_user("U9", name="gone", deleted=True)
    yield emu_server
    errors = emu_server.internal_errors
    emu_server.reset()
    assert errors == [], errors


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    """A real slack_sdk client pointed at the emulator with the bot token."""
    return WebClient(base_url=emu.api_url, token=BOT_TOKEN)


@pytest.fixture
def api_ref() -> Path:
    """Slack's reference beside the checkout; tests needing it skip when it is absent."""
    if not (REF_DIR / "methods").is_dir():
        pytest.skip(f"Slack API reference not found at {REF_DIR}")
    return REF_DIR


@pytest.fixture
def world() -> Iterator[World]:
    """An emulator of its own with the sandbox attached, wired to a recording app stand-in."""
    with sandbox_world() as running:
        yield running
