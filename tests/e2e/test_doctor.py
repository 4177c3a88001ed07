"""``sitrep doctor`` passes on a good setup and names the problem, with a fix, when not."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from cli.doctor import manifest_scopes
from emulator import SlackEmulator
from storage.db import Database
from storage.models import DeadLetter
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.process import run_sitrep


@pytest.fixture
def fake_ai() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture
def good_env(
    slack: SlackEmulator, bot_env: dict[str, str], db: Database, fake_ai: FakeAnthropic
) -> dict[str, str]:
    slack.set_bot_scopes(sorted(manifest_scopes()))
    return {**bot_env, "ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": fake_ai.url}


def status_of(output: str, check: str) -> str:
    for line in output.splitlines():
        if line.startswith(check + " "):
            return line[len(check) :].split()[0]
    raise AssertionError(f"no row for {check!r} in:\n{output}")


CHECKS = (
    "settings",
    "database",
    "migrations",
    "dead letters",
    "slack token",
    "slack scopes",
    "broadcast channel",
    "anthropic",
    "integrations",
)


def test_doctor_passes_on_a_good_setup(good_env: dict[str, str], fake_ai: FakeAnthropic) -> None:
    result = run_sitrep("doctor", env=good_env)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in CHECKS:
        assert status_of(result.stdout, check) == "ok", result.stdout
    assert "All checks passed." in result.stdout
    assert fake_ai.requests and fake_ai.requests[0].body["max_tokens"] == 1


def test_doctor_fails_naming_a_missing_scope(
    slack: SlackEmulator, good_env: dict[str, str]
) -> None:
    slack.set_bot_scopes(sorted(manifest_scopes() - {"pins:write"}))
    result = run_sitrep("doctor", env=good_env)
    assert result.returncode == 1
    assert status_of(result.stdout, "slack scopes") == "FAIL"
    assert "lacks pins:write" in result.stdout
    assert "reinstall the app" in result.stdout
    assert status_of(result.stdout, "slack token") == "ok"


def test_doctor_fails_naming_an_unreachable_database(good_env: dict[str, str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    env = {**good_env, "DATABASE_URL": f"postgresql://sitrep:secret@127.0.0.1:{closed}/sitrep"}
    result = run_sitrep("doctor", env=env)
    assert result.returncode == 1
    assert status_of(result.stdout, "database") == "FAIL"
    assert f"cannot reach postgresql://sitrep:***@127.0.0.1:{closed}/sitrep" in (
        result.stdout
    )
    assert "secret" not in result.stdout
    assert "check DATABASE_URL" in result.stdout
    assert status_of(result.stdout, "dead letters") == "skip"


def test_doctor_fails_on_dead_letters_and_a_refused_ai_key(
    good_env: dict[str, str], db: Database, fake_ai: FakeAnthropic
) -> None:
    with db.session() as session:
        session.add(DeadLetter(reason="failed", kind="message", payload={}, error="boom"))
    fake_ai.status = 401
    result = run_sitrep("doctor", env=good_env)
    assert result.returncode == 1
    assert status_of(result.stdout, "dead letters") == "FAIL"
    assert "sitrep dead-letters replay" in result.stdout
    assert status_of(result.stdout, "anthropic") == "FAIL"
    assert "ANTHROPIC_API_KEY" in result.stdout


def test_doctor_fails_when_the_bot_cannot_post_in_the_broadcast_channel(
    slack: SlackEmulator, good_env: dict[str, str]
) -> None:
    slack.reset()
    slack.set_bot_scopes(sorted(manifest_scopes()))
    slack.add_user("UALICE", name="alice")
    slack.add_channel("incidents", is_private=True, members=["UALICE"], bot_member=False)
    result = run_sitrep("doctor", env=good_env)
    assert result.returncode == 1
    assert status_of(result.stdout, "broadcast channel") == "FAIL"
    assert "create #incidents" in result.stdout
