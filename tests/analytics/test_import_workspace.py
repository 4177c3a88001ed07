"""An import finds its own workspace: the bot's, else the database's only one, else the export's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.importer import workspace
from storage.db import Database
from storage.models import Incident
from tests.analytics.test_import import ARCHIVE, run
from tests.support.harness import TEAM_ID

EXPORT_TEAM = "T0BMHLSRH"  # the team id in the shared export's users.json


@pytest.fixture
def archive() -> Path:
    if not ARCHIVE.is_file():
        pytest.skip("the shared Slack export (../shared/fixtures/slack-export) is not here")
    return ARCHIVE


def teams_of_incidents(database_url: str) -> list[tuple[str, str]]:
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.execute(select(Incident.team_id, Incident.title).order_by(Incident.id))
            return [tuple(row) for row in rows]
    finally:
        database.dispose()


def without_token(env: dict[str, str]) -> dict[str, str]:
    return {**env, "SLACK_BOT_TOKEN": "", "SLACK_API_URL": "http://127.0.0.1:9/api/"}


def test_with_a_bot_token_the_import_lands_in_the_bots_workspace(
    bot_env: dict, database_url: str, archive: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    code = run(monkeypatch, bot_env, "import", "slack-export", str(archive), "--channel", "enrique")
    assert code == 0, capsys.readouterr().err
    assert "Imported #enrique as INC-1" in capsys.readouterr().out
    # auth.test names the emulator's workspace, not the export's older one.
    assert TEAM_ID != EXPORT_TEAM
    assert [team for team, _ in teams_of_incidents(database_url)] == [TEAM_ID]


def test_without_a_token_the_databases_only_workspace_is_used(
    bot_env: dict, database_url: str, archive: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    args = ("import", "slack-export", str(archive))
    assert run(monkeypatch, bot_env, *args, "--channel", "enrique", "--team", "TOURS") == 0
    capsys.readouterr()

    code = run(monkeypatch, without_token(bot_env), *args, "--channel", "traveling-sailor")
    assert code == 0, capsys.readouterr().err
    assert [team for team, _ in teams_of_incidents(database_url)] == ["TOURS", "TOURS"]


def test_without_a_token_or_history_the_exports_team_is_used(
    bot_env: dict, database_url: str, archive: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    code = run(
        monkeypatch, without_token(bot_env), "import", "slack-export", str(archive),
        "--channel", "enrique",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert [team for team, _ in teams_of_incidents(database_url)] == [EXPORT_TEAM]


def test_a_real_choice_is_asked_for_and_names_the_workspaces_found(
    bot_env: dict, database_url: str, archive: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    args = ("import", "slack-export", str(archive))
    assert run(monkeypatch, bot_env, *args, "--channel", "enrique", "--team", "TONE") == 0
    assert run(monkeypatch, bot_env, *args, "--channel", "traveling-sailor", "--team", "TTWO") == 0
    capsys.readouterr()

    # Import again under another title would collide; a third team's choice is what matters.
    code = run(monkeypatch, without_token(bot_env), *args, "--channel", "enrique")
    err = capsys.readouterr().err
    assert code == 1
    assert "TONE, TTWO in the database" in err
    assert f"{EXPORT_TEAM} in the export" in err
    assert "--team" in err
    assert len(teams_of_incidents(database_url)) == 2


def test_a_bad_token_is_named_rather_than_guessed_around(
    bot_env: dict, archive: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    env = {**bot_env, "SLACK_BOT_TOKEN": "xoxb-not-a-real-token"}
    code = run(monkeypatch, env, "import", "slack-export", str(archive), "--channel", "enrique")
    err = capsys.readouterr().err
    assert code == 1
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in err


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (workspace.Workspaces(bot="TB", database=("TD",), export=("TE",)), "TB"),
        (workspace.Workspaces(database=("TD",), export=("TE",)), "TD"),
        (workspace.Workspaces(database=("TD", "TE"), export=("TE",)), "TE"),
        (workspace.Workspaces(export=("TE",)), "TE"),
    ],
)
def test_the_order_of_sources(found: workspace.Workspaces, expected: str) -> None:
    assert workspace.choose(None, found) == expected
    assert workspace.choose("TX", found) == "TX"
