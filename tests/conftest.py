"""Fixtures: the Slack emulator, a fresh database, and a running bot wired to both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from emulator import SlackEmulator
from storage import migrate
from storage.db import Database
from tests.support.databases import fresh_database_url
from tests.support.harness import (
    APP_TOKEN,
    BOT_TOKEN,
    TEAM_ID,
    RunningBot,
    bot_environment,
    start_bot,
)

REPO = Path(__file__).resolve().parent.parent
SLACK_API_REF = REPO.parent / "shared" / "slack-api-ref"

# People in the emulated workspace, with distinct time zones.
USERS = {
    "UALICE": ("alice", "Alice Adams", "America/New_York", -18000),
    "UBOB": ("bob", "Bob Brown", "Europe/Berlin", 3600),
    "UCAROL": ("carol", "Carol Chen", "Asia/Tokyo", 32400),
    "UDAN": ("dan", "Dan Diaz", "UTC", 0),
}


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[SlackEmulator]:
    # Like a real install without chat:write.public: the bot must join to post.
    emu = SlackEmulator(
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        team_id=TEAM_ID,
        bot_user_id="UBOT",
        chat_write_public=False,
    )
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def slack(emulator_server: SlackEmulator) -> Iterator[SlackEmulator]:
    """The emulator, reset to a small workspace: four people, #general and #incidents."""
    emu = emulator_server
    emu.reset()
    for user_id, (name, real_name, tz, offset) in USERS.items():
        emu.add_user(user_id, name=name, real_name=real_name, tz=tz, tz_offset=offset)
    members = list(USERS)
    emu.general_id = emu.add_channel("general", members=members)  # type: ignore[attr-defined]
    emu.incidents_id = emu.add_channel("incidents", members=members)  # type: ignore[attr-defined]
    yield emu
    # A handler crash or an undocumented error code in the emulator is a bug there.
    assert emu.internal_errors == []


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database_url(tmp_path) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The fresh database migrated to the latest schema, for tests of the domain on its own."""
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def bot_config() -> dict:
    """YAML settings for the bot under test; override this fixture to change them."""
    return {}


@pytest.fixture
def bot_env(
    slack: SlackEmulator, database_url: str, bot_config: dict, tmp_path: Path
) -> dict[str, str]:
    config = {"scheduler": {"poll_interval": "0.2s", "lease_ttl": "2s"}, **bot_config}
    path = tmp_path / "sitrep.yaml"
    path.write_text(yaml.safe_dump(config))
    return bot_environment(slack, database_url, SITREP_CONFIG=str(path))


@pytest.fixture
def bot(slack: SlackEmulator, bot_env: dict[str, str]) -> Iterator[RunningBot]:
    running = start_bot(slack, bot_env)
    yield running
    running.stop()


@pytest.fixture
def slack_api_ref() -> Path:
    if not SLACK_API_REF.is_dir():
        pytest.skip("Slack's API reference (../shared/slack-api-ref) is not beside this checkout")
    return SLACK_API_REF
