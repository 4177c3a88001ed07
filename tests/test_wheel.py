"""The built wheel is a whole Sitrep on its own.

It is built from a copy of the checkout, installed with the production lock
into a fresh virtualenv in a temporary folder, and run from there with the
working directory outside the checkout, so nothing can be found by accident
next to the source: templates, migrations and the Slack manifest must come
from inside the installed package. The Slack emulator still runs from this
checkout, as Slack would run somewhere else.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from emulator import SlackEmulator
from storage import migrate
from storage.db import Database
from storage.models import Incident
from tests.support.harness import SIGNING_SECRET, TEAM_ID
from tests.support.process import REPO, ServeProcess, child_env
from tests.support.signing import SlackSender
from tests.support.waiting import wait_for

pytestmark = pytest.mark.wheel

# What a clean checkout would not hold: local environments, caches, build output.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "__pycache__",
    "*.pyc",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    "sitrep.db*",
)


@dataclass
class Installed:
    venv: Path
    outside: Path  # a working directory with no Sitrep source in or above it

    @property
    def sitrep(self) -> Path:
        return self.venv / "bin" / "sitrep"

    def env(self, **extra: str) -> dict[str, str]:
        # PYTHONPATH is emptied so no checkout folder sneaks onto the path.
        return child_env({"PYTHONPATH": "", "VIRTUAL_ENV": str(self.venv), **extra})

    def run(self, *argv: str | Path, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in argv],
            cwd=self.outside,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=300,
        )


def checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def quiet() -> dict:
    """Run a build step with its output kept for the failure message, away from the checkout."""
    return {"capture_output": True, "text": True, "timeout": 600, "cwd": "/"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    checked(subprocess.run([*pip, "wheel", "--no-deps", "-w", work / "dist", source], **quiet()))
    (wheel,) = (work / "dist").glob("sitrep-*.whl")

    venv = work / "venv"
    checked(subprocess.run([sys.executable, "-m", "venv", venv], **quiet()))
    python = venv / "bin" / "python"
    vpip = [python, "-m", "pip", "--disable-pip-version-check", "-q"]
    lock = REPO / "requirements.lock"
    checked(subprocess.run([*vpip, "install", "--require-hashes", "-r", lock], **quiet()))
    checked(subprocess.run([*vpip, "install", "--no-deps", wheel], **quiet()))
    # The lock satisfies everything the wheel's metadata asks for.
    checked(subprocess.run([*vpip, "check"], **quiet()))
    outside = work / "elsewhere"
    outside.mkdir()
    return Installed(venv=venv, outside=outside)


def files_under(folder: Path) -> set[str]:
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_package_data_comes_from_the_install_and_is_complete(installed: Installed) -> None:
    script = (
        "import json, bot, bot.manifest, bot.render, storage.migrations, templates;"
        "print(json.dumps({'bot': bot.__file__, 'templates': str(bot.render.BUILTIN_TEMPLATES),"
        " 'migrations': storage.migrations.__file__,"
        " 'manifest': bot.manifest.load_manifest()['display_information']['name']}))"
    )
    python = installed.venv / "bin" / "python"
    found = json.loads(checked(installed.run(python, "-c", script)).stdout)
    site = str(installed.venv)
    assert all(found[key].startswith(site) for key in ("bot", "templates", "migrations")), found
    assert found["manifest"] == "Sitrep"

    installed_templates = Path(found["templates"])
    assert files_under(installed_templates) == files_under(REPO / "templates")
    versions = Path(found["migrations"]).parent / "versions"
    assert files_under(versions) == files_under(REPO / "storage" / "migrations" / "versions")


def test_db_upgrade_runs_from_the_install(installed: Installed, database_url: str) -> None:
    result = checked(installed.run(installed.sitrep, "db", "upgrade", DATABASE_URL=database_url))
    database = Database(database_url)
    try:
        assert migrate.current_heads(database) == migrate.expected_heads()
    finally:
        database.dispose()
    assert "database is at" in result.stdout


def test_sitrep_manifest_prints_from_the_install(installed: Installed) -> None:
    printed = checked(installed.run(installed.sitrep, "manifest", "--url", "https://x.test"))
    assert "https://x.test/slack/events" in printed.stdout


@pytest.fixture
def served(installed: Installed, bot_env: dict[str, str], tmp_path: Path) -> Iterator[ServeProcess]:
    # A template override, to show SITREP_TEMPLATES_DIR still wins over the packaged files.
    overrides = tmp_path / "overrides" / "text"
    overrides.mkdir(parents=True)
    (overrides / "channel_topic.txt.j2").write_text("Installed Sitrep · {{ incident.title }}")
    environ = installed.env(**bot_env, SITREP_TEMPLATES_DIR=str(overrides.parent))
    process = ServeProcess(
        environ,
        log_path=tmp_path / "serve.log",
        command=[str(installed.sitrep)],
        cwd=installed.outside,
    )
    try:
        process.wait_healthy(timeout=60)
        yield process
    finally:
        process.stop()


def test_the_installed_bot_declares_an_incident(
    slack: SlackEmulator, bot_env: dict[str, str], served: ServeProcess
) -> None:
    health = requests.get(f"http://127.0.0.1:{served.port}/healthz", timeout=5)
    assert health.status_code == 200

    sender = SlackSender(served.url, SIGNING_SECRET, team_id=TEAM_ID)
    reply = sender.command(
        "declare sev2 Checkout API returning 500s", response_url=slack.response_url()
    )
    assert reply.status_code == 200, served.output()

    def ready() -> Incident | None:
        database = Database(bot_env["DATABASE_URL"])
        try:
            with database.session() as session:
                return session.scalars(
                    select(Incident).where(Incident.setup_state == "ready")
                ).first()
        finally:
            database.dispose()

    incident = wait_for(ready, timeout=30)
    channel = slack.channel_by_name("inc-1-checkout-api-returning-500s")
    assert channel is not None, served.output()
    # The card and the announcement are rendered from the packaged templates ...
    assert incident.card_ts in channel.pins
    card = next(m for m in slack.messages(channel.id) if m["ts"] == incident.card_ts)
    assert "Checkout API returning 500s" in json.dumps(card)
    assert any(m["ts"] == incident.broadcast_ts for m in slack.messages(slack.incidents_id))
    # ... and the topic from the override folder.
    assert channel.topic == "Installed Sitrep · Checkout API returning 500s"
