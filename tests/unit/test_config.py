from datetime import timedelta
from pathlib import Path

import pytest

from config import ConfigError, EnvSettings, MissingSetting, load_config, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sitrep.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None)
    assert config.severities.keys == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert config.severities["SEV1"].update_cadence == timedelta(minutes=20)
    assert config.severities["SEV4"].update_cadence is None
    assert config.channels.name_pattern == "inc-{number}-{slug}"
    assert config.channels.broadcast_channel == "incidents"


def test_severities_are_configurable(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
severities:
  - {key: P1, name: Outage, description: Everything is down, update_cadence: 90s}
  - {key: P2, name: Degraded, description: Something is slow, update_cadence: 2h}
default_severity: P2
broadcast_channel: "#ops-incidents"
""",
        )
    )
    assert config.severities.keys == ["P1", "P2"]
    assert config.severities.default.key == "P2"
    assert config.severities["p1"].update_cadence == timedelta(seconds=90)
    assert config.channels.broadcast_channel == "ops-incidents"


@pytest.mark.parametrize(
    ("yaml_text", "key", "words"),
    [
        (
            "severities: [{key: S1, name: X, description: Y, update_cadence: 5x}]",
            "severities[0].update_cadence",
            "90s",
        ),
        ("severities: [{key: S1, description: Y}]", "severities[0].name", "required"),
        ("channel_name_pattern: 'inc-{slug}'", "channel_name_pattern", "{number}"),
        ("channel_name_pattern: 'inc-{number}-{team}'", "channel_name_pattern", "{team}"),
        ("default_severity: SEV9", "default_severity", "SEV1"),
        ("severity: SEV1", "severity", "not a known setting"),
        ("private_by_default: maybe", "private_by_default", "true or false"),
    ],
)
def test_bad_configuration_names_the_key(
    tmp_path: Path, yaml_text: str, key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, yaml_text))
    assert info.value.key == key
    assert words in str(info.value)


def test_missing_file_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "severities: [unclosed"))


def test_missing_tokens_name_the_variable_and_the_readme() -> None:
    env = EnvSettings.from_environ({"SLACK_SIGNING_SECRET": "s"})
    with pytest.raises(MissingSetting) as info:
        env.require_http_tokens()
    assert "SLACK_BOT_TOKEN" in str(info.value) and "README" in str(info.value)
    with pytest.raises(MissingSetting, match="SLACK_APP_TOKEN"):
        EnvSettings.from_environ({"SLACK_BOT_TOKEN": "xoxb"}).require_socket_tokens()


def test_environment_defaults() -> None:
    settings = load_settings({})
    assert settings.env.slack_api_url == "https://slack.com/api/"
    assert settings.env.database_url == "sqlite:///sitrep.db"
