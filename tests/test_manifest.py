"""bot/manifest.yaml agrees with the code, both ways, and grants every scope the code needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.app import create_app
from bot.manifest import EXAMPLE_URL, load_manifest
from bot.services import Services
from bot.surface import Surface
from config import load_settings
from tests.support.process import run_sitrep

REPO = Path(__file__).resolve().parent.parent
CALL = re.compile(r"\bclient\.([a-z]+(?:_[A-Za-z0-9]+)+)\(")
# slack_sdk helpers that wrap more than one Web API method.
COMPOSITE = {"files_upload_v2": ["files.getUploadURLExternal", "files.completeUploadExternal"]}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return load_manifest()


@pytest.fixture(scope="module")
def surface(tmp_path_factory: pytest.TempPathFactory) -> Surface:
    db = tmp_path_factory.mktemp("manifest") / "m.db"
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": f"sqlite:///{db}",
    }
    return create_app(Services.build(load_settings(env)))


def test_slash_commands_match(manifest: dict, surface: Surface) -> None:
    declared = {c["command"] for c in manifest["features"].get("slash_commands", [])}
    assert declared == surface.commands


def test_events_match(manifest: dict, surface: Surface) -> None:
    subscriptions = manifest["settings"].get("event_subscriptions", {})
    assert set(subscriptions.get("bot_events", [])) == surface.events


def test_shortcuts_match(manifest: dict, surface: Surface) -> None:
    shortcuts = manifest["features"].get("shortcuts", [])
    assert {s["callback_id"] for s in shortcuts if s["type"] == "message"} == (
        surface.message_shortcuts
    )
    assert {s["callback_id"] for s in shortcuts if s["type"] == "global"} == (
        surface.global_shortcuts
    )


def test_interactivity_is_on_when_the_app_has_views_or_actions(
    manifest: dict, surface: Surface
) -> None:
    if surface.views or surface.actions or surface.message_shortcuts:
        assert manifest["settings"]["interactivity"]["is_enabled"] is True


def web_api_methods_called() -> set[str]:
    methods: set[str] = set()
    for folder in ("bot", "core", "scheduler"):
        for path in (REPO / folder).rglob("*.py"):
            for name in CALL.findall(path.read_text()):
                methods.update(COMPOSITE.get(name, [name.replace("_", ".")]))
    return methods


def test_code_calls_some_web_api_methods() -> None:
    assert {"conversations.create", "chat.postMessage"} <= web_api_methods_called()


def test_bot_scopes_cover_every_web_api_method_called(manifest: dict, slack_api_ref: Path) -> None:
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    missing = {}
    for method in sorted(web_api_methods_called()):
        spec_file = slack_api_ref / "methods" / f"{method}.json"
        assert spec_file.exists(), f"{method} is not a Slack Web API method"
        needed = set((json.loads(spec_file.read_text()).get("scope") or {}).get("bot") or [])
        if needed and not needed & granted:
            missing[method] = sorted(needed)
    assert not missing, f"manifest.yaml lacks a bot scope for: {missing}"


def request_urls(manifest: dict) -> list[str]:
    settings = manifest["settings"]
    return [
        *(c["url"] for c in manifest["features"]["slash_commands"]),
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]


def test_sitrep_manifest_points_every_request_url_at_the_server() -> None:
    printed = run_sitrep("manifest", "--url", "https://sitrep.acme.test/", env={})
    assert printed.returncode == 0, printed.stderr
    manifest = yaml.safe_load(printed.stdout)
    assert request_urls(manifest)
    assert set(request_urls(manifest)) == {"https://sitrep.acme.test/slack/events"}
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert EXAMPLE_URL not in printed.stdout
    # The comments that explain the scopes survive the edit.
    assert "# Timeline capture" in printed.stdout


def test_sitrep_manifest_turns_socket_mode_on() -> None:
    printed = run_sitrep("manifest", "--socket", env={})
    assert printed.returncode == 0, printed.stderr
    manifest = yaml.safe_load(printed.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["oauth_config"] == load_manifest()["oauth_config"]


def test_sitrep_manifest_refuses_a_url_without_a_scheme() -> None:
    printed = run_sitrep("manifest", "--url", "sitrep.acme.test", env={})
    assert printed.returncode == 2
    assert "--url" in printed.stderr and not printed.stdout
