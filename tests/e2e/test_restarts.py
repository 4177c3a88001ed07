"""Restarting ``sitrep serve`` keeps every finished incident, imported history included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator import SlackEmulator
from tests.support.harness import TEAM_ID
from tests.support.process import ServeProcess, run_sitrep
from tests.support.waiting import wait_for

ARCHIVE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "fixtures"
    / "slack-export"
    / "testarchive.zip"
)
STARTED = "start-up tasks finished"


@pytest.fixture
def archive() -> Path:
    if not ARCHIVE.is_file():
        pytest.skip("the shared Slack export (../shared/fixtures/slack-export) is not here")
    return ARCHIVE


def exported(env: dict[str, str], number: int) -> dict:
    done = run_sitrep("export", "incident", str(number), "--team", TEAM_ID, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def serve_until_started(env: dict[str, str], log_path: Path) -> None:
    """One run of ``sitrep serve``: up, its start-up work done, then stopped."""
    process = ServeProcess(env, log_path=log_path)
    try:
        process.wait_healthy()
        wait_for(lambda: STARTED in process.output(), timeout=30)
    finally:
        process.stop()


def test_imported_history_survives_two_restarts(
    slack: SlackEmulator, bot_env: dict[str, str], archive: Path, tmp_path: Path
) -> None:
    imported = run_sitrep(
        "import", "slack-export", str(archive), "--channel", "enrique", "--team", TEAM_ID,
        env=bot_env,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "as INC-1" in imported.stdout
    before = exported(bot_env, 1)
    assert before["timeline"], "the import brought the channel's messages in"

    for run in range(2):
        serve_until_started(bot_env, tmp_path / f"serve-{run}.log")

    assert exported(bot_env, 1) == before
