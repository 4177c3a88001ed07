"""Roles, statuses, permissions and cadence settings: defaults, overrides and clear errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sitrep.yaml"
    path.write_text(text)
    return path


def test_defaults() -> None:
    config = load_config(None)
    assert config.roles.keys == ["incident_commander", "deputy", "scribe", "comms_lead", "ops_lead"]
    assert config.roles.get("IC").key == "incident_commander"
    assert config.roles.get("comms").name == "Communications Lead"
    assert config.roles.get("ops").key == "ops_lead"
    assert config.roles.get("wizard") is None
    statuses = config.lifecycle.statuses
    assert statuses.all == ("investigating", "identified", "monitoring", "resolved", "closed")
    assert statuses.initial == "investigating"
    assert not statuses.is_open("resolved") and statuses.is_open("monitoring")
    permissions = config.lifecycle.permissions
    assert permissions.roles_for("severity") == {"incident_commander", "deputy"}
    assert permissions.roles_for("status") is None
    for action in ("take_over", "postmortem_done", "tag"):
        assert permissions.roles_for(action) == {"incident_commander", "deputy"}
    assert permissions.powerful_roles == {"incident_commander", "deputy"}
    cadence = config.lifecycle.cadence
    assert cadence.grace == timedelta(minutes=5)
    assert cadence.ic_fatigue == timedelta(hours=4)


def test_everything_is_configurable(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
roles:
  scribe: null
  deputy: {instructions: Watch the IC's back.}
  liaison: {name: Customer Liaison, aliases: [liaison, cs], description: Talks to customers}
statuses:
  active: [triage, fixing, watching]
  resolved: fixed
  closed: done
permissions:
  severity: [ic]
  resolve: anyone
  close: [liaison, deputy]
cadence:
  grace: 90s
  ic_fatigue_hours: 0.5
  sweep_interval: 10s
""",
        )
    )
    assert "scribe" not in config.roles.keys and config.roles.get("cs").key == "liaison"
    assert config.roles["deputy"].instructions == "Watch the IC's back."
    assert config.roles["deputy"].name == "Deputy"  # the rest stays as built in
    assert config.lifecycle.statuses.all == ("triage", "fixing", "watching", "fixed", "done")
    assert config.lifecycle.permissions.roles_for("severity") == {"incident_commander"}
    assert config.lifecycle.permissions.roles_for("resolve") is None
    assert config.lifecycle.permissions.roles_for("close") == {"liaison", "deputy"}
    assert config.lifecycle.cadence.grace == timedelta(seconds=90)
    assert config.lifecycle.cadence.ic_fatigue == timedelta(minutes=30)


def test_fatigue_accepts_durations_and_off(tmp_path: Path) -> None:
    assert load_config(
        write(tmp_path, "cadence: {ic_fatigue_hours: 90m}")
    ).lifecycle.cadence.ic_fatigue == timedelta(minutes=90)
    assert (
        load_config(write(tmp_path, "cadence: {ic_fatigue_hours: 0}")).lifecycle.cadence.ic_fatigue
        is None
    )
    assert (
        load_config(
            write(tmp_path, "cadence: {ic_fatigue_hours: none}")
        ).lifecycle.cadence.ic_fatigue
        is None
    )


@pytest.mark.parametrize(
    ("yaml_text", "key", "words"),
    [
        ("permissions: {severity: [wizard]}", "permissions.severity", "not a role"),
        ("permissions: {launch: anyone}", "permissions.launch", "not an action"),
        ("permissions: {close: []}", "permissions.close", "at least one role"),
        ("statuses: {active: []}", "statuses.active", "at least one"),
        ("statuses: {active: [open], resolved: open}", "statuses", "different name"),
        ("statuses: {paused: x}", "statuses.paused", "active, resolved and closed"),
        ("cadence: {grace: soon}", "cadence.grace", "90s"),
        ("cadence: {ic_fatigue_hours: -1}", "cadence.ic_fatigue_hours", "negative"),
        ("cadence: {reminders: 3}", "cadence.reminders", "not a setting"),
        ("roles: {Bad-Key: {name: X}}", "roles.Bad-Key", "lowercase"),
        ("roles: {liaison: {description: no name}}", "roles.liaison.name", "required"),
        ("roles: {liaison: {name: L, aliases: [ic]}}", "roles.liaison.aliases", "already names"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, yaml_text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, yaml_text))
    assert info.value.key == key
    assert words in str(info.value)
