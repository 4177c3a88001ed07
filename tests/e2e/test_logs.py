"""``SITREP_LOG_FORMAT=json``: one JSON object per line, with the incident and event ids."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, text

from emulator import SlackEmulator
from storage.db import Database
from storage.models import Incident
from tests.support import slack_events as ev
from tests.support.harness import SIGNING_SECRET, TEAM_ID
from tests.support.process import ServeProcess
from tests.support.signing import SlackSender
from tests.support.waiting import wait_for


def test_json_logs_are_one_object_per_line_with_incident_and_event(
    slack: SlackEmulator, bot_env: dict[str, str], tmp_path: Path
) -> None:
    process = ServeProcess(
        {**bot_env, "SITREP_LOG_FORMAT": "json"}, log_path=tmp_path / "serve.log"
    )
    database = Database(bot_env["DATABASE_URL"])
    try:
        process.wait_healthy()
        sender = SlackSender(process.url, SIGNING_SECRET, team_id=TEAM_ID)
        sender.command("declare sev2 Queue backed up", response_url=slack.response_url())

        def ready() -> str | None:
            with database.session() as session:
                return session.scalar(
                    select(Incident.channel_id).where(Incident.setup_state == "ready")
                )

        channel = wait_for(ready, 20)
        with database.engine.begin() as connection:
            connection.execute(text("DROP TABLE participants"))  # a write that cannot succeed
        sender.event(ev.member(True, channel, "UCAROL", ev.Clock().next()), event_id="EvJoinX")

        def logged() -> list[dict]:
            lines = [json.loads(line) for line in process.output().splitlines() if line.strip()]
            mine = [line for line in lines if line.get("event_id") == "EvJoinX"]
            return mine if any("dead letter" in line["message"] for line in mine) else []

        about = wait_for(logged, 20)
    finally:
        database.dispose()
        process.stop()
    output = process.output().splitlines()
    records = [json.loads(line) for line in output if line.strip()]  # every line is JSON
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    failed = [r for r in about if r["level"] == "ERROR"]
    assert failed and failed[0]["incident"] == 1
    assert "participants" in failed[0]["exception"]
    assert any(r["level"] == "WARNING" and "dead letter" in r["message"] for r in about)
