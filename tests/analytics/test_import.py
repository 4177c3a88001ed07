"""Importing a real Slack export: one channel becomes a closed, searchable incident."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

import cli
from core.importer.export_messages import message_text
from storage.models import Incident, Milestone, Participant, TimelineEvent
from tests.support.harness import TEAM_ID, RunningBot
from tests.support.waiting import wait_for

EXPORT = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "slack-export"
ARCHIVE = EXPORT / "testarchive.zip"


@pytest.fixture
def archive() -> Path:
    if not ARCHIVE.is_file():
        pytest.skip("the shared Slack export (../shared/fixtures/slack-export) is not here")
    return ARCHIVE


def exported_messages(archive: Path, channel: str) -> list[dict]:
    """The channel's messages straight from the export, read independently of the importer."""
    with zipfile.ZipFile(archive) as bundle:
        days = sorted(
            n for n in bundle.namelist() if n.startswith(f"{channel}/") and n.endswith(".json")
        )
        messages = [m for day in days for m in json.loads(bundle.read(day))]
    return sorted(messages, key=lambda m: Decimal(m["ts"]))


def run(monkeypatch: pytest.MonkeyPatch, env: dict, *argv: str) -> int:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return cli.main(list(argv))


def test_an_exported_channel_becomes_a_closed_incident_with_its_timeline_in_order(
    bot: RunningBot,
    bot_env: dict,
    archive: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    code = run(
        monkeypatch,
        bot_env,
        "import",
        "slack-export",
        str(archive),
        "--channel",
        "enrique",
        "--title",
        "Enrique build breakages",
        "--team",
        TEAM_ID,
        "--severity",
        "sev3",
    )
    out = capsys.readouterr().out
    assert code == 0, out
    expected = exported_messages(archive, "enrique")
    assert f"Imported #enrique as INC-1: {len(expected)} messages" in out

    with bot.services.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        assert (incident.title, incident.status, incident.severity) == (
            "Enrique build breakages",
            "closed",
            "SEV3",
        )
        events = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
        ).all()
        assert [e.ts for e in events] == [m["ts"] for m in expected]
        assert [e.user_id for e in events] == [m.get("user") for m in expected]
        for event, message in zip(events, expected, strict=True):
            if message.get("text"):
                assert event.text.startswith(message["text"])
            assert event.text == message_text(message)
        kinds = {e.kind for e in events}
        assert {"message", "bot_message", "join"} <= kinds
        # Bots speak in attachments; their words are kept.
        bot_texts = [e.text for e in events if e.kind == "bot_message"]
        assert bot_texts and all(bot_texts)

        marks = {m.kind: m.at for m in session.scalars(select(Milestone))}
        assert marks["declared"] == events[0].occurred_at
        assert marks["resolved"] == marks["closed"] == events[-1].occurred_at
        people = set(session.scalars(select(Participant.user_id)))
        assert {"U0BMM2FEH", "U0BMQB6JE", "U0BMS113R", "U0BMYT2FL"} <= people

    # Imported history is searchable and counted like any other.
    slack = bot.emulator
    bot.command("search simulated annealing")
    found = wait_for(lambda: slack.responses)[0]
    assert "INC-1" in found["text"] + json.dumps(found["blocks"])

    # Importing the same channel again is refused; nothing is duplicated.
    assert (
        run(
            monkeypatch,
            bot_env,
            "import",
            "slack-export",
            str(archive),
            "--channel",
            "enrique",
            "--team",
            TEAM_ID,
        )
        == 1
    )
    assert "already imported as INC-1" in capsys.readouterr().err


def test_an_unpacked_export_works_and_mistakes_are_explained(
    bot: RunningBot,
    bot_env: dict,
    archive: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    folder = tmp_path / "export"
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(folder)
    assert (
        run(
            monkeypatch,
            bot_env,
            "import",
            "slack-export",
            str(folder),
            "--channel",
            "#traveling-sailor",
        )
        == 0
    )
    assert "as INC-1" in capsys.readouterr().out
    with bot.services.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        # Not given, the workspace is the bot's own (auth.test), where people will look.
        assert incident.team_id == TEAM_ID
        assert incident.title == "#traveling-sailor (imported)"
        count = len(session.scalars(select(TimelineEvent.id)).all())
    assert count == len(exported_messages(archive, "traveling-sailor"))

    assert (
        run(monkeypatch, bot_env, "import", "slack-export", str(folder), "--channel", "nope") == 1
    )
    err = capsys.readouterr().err
    assert "no channel #nope" in err and "enrique, traveling-sailor" in err
    assert (
        run(
            monkeypatch,
            bot_env,
            "import",
            "slack-export",
            str(tmp_path / "missing.zip"),
            "--channel",
            "enrique",
        )
        == 1
    )
    assert "no export at" in capsys.readouterr().err
    not_export = tmp_path / "notes"
    not_export.mkdir()
    assert (
        run(monkeypatch, bot_env, "import", "slack-export", str(not_export), "--channel", "enrique")
        == 1
    )
    assert "not a Slack export" in capsys.readouterr().err
