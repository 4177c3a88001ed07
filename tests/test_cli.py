"""The ``sitrep`` command as operators run it, in a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import load_config
from core import incidents
from core.incidents import DeclareRequest
from storage.db import Database
from tests.support.process import run_sitrep as sitrep


def test_serve_without_a_token_exits_naming_the_variable(tmp_path: Path) -> None:
    result = sitrep("serve", "--port", "0", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN" in result.stderr and "README" in result.stderr


def test_socket_mode_without_app_token_exits(tmp_path: Path) -> None:
    result = sitrep("serve", "--socket", env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode != 0 and "SLACK_APP_TOKEN" in result.stderr


def test_bad_configuration_stops_startup_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "sitrep.yaml"
    config.write_text("severities:\n  - {key: S1, name: X, description: Y, update_cadence: soon}\n")
    result = sitrep(
        "serve",
        env={"SITREP_CONFIG": str(config), "SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "y"},
    )
    assert result.returncode == 2
    assert "severities[0].update_cadence" in result.stderr


def test_db_upgrade_then_export_an_incident(database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    upgraded = sitrep("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr

    database = Database(database_url)
    incident = incidents.open_incident(
        database,
        DeclareRequest(team_id="T1", title="Disk full", declared_by="U1", severity="sev3"),
        load_config(None).severities,
    )
    database.dispose()

    exported = sitrep("export", "incident", str(incident.number), "--format", "json", env=env)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["schema"] == "sitrep.incident/1"
    assert document["incident"]["title"] == "Disk full"
    assert document["incident"]["severity"] == "SEV3"
    assert document["roles"][0]["role"] == "incident_commander"
    assert document["timeline"][0]["data"]["action"] == "declared"

    missing = sitrep("export", "incident", "99", env=env)
    assert missing.returncode == 1 and "INC-99" in missing.stderr


@pytest.mark.parametrize(
    "argv", [["--help"], ["serve", "--help"], ["export", "incident", "--help"]]
)
def test_help_works(argv: list[str]) -> None:
    assert sitrep(*argv, env={}).returncode == 0
