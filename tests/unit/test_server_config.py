"""The server section of the configuration, and where ``sitrep serve`` listens by default."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cli.serve import default_host
from config import ConfigError, parse_config


def test_defaults_fit_slack() -> None:
    server = parse_config({}).server
    assert server.max_body_bytes == 1024 * 1024
    assert server.connection_limit >= 200
    assert server.channel_timeout == timedelta(seconds=15)
    assert (server.work_threads, server.socket_threads) == (8, 10)
    assert server.expensive_commands_per_minute == 6


def test_every_limit_can_be_set() -> None:
    server = parse_config(
        {
            "server": {
                "max_body_bytes": 65536,
                "connection_limit": 50,
                "channel_timeout": "5s",
                "work_threads": 3,
                "socket_threads": 4,
            }
        }
    ).server
    assert (server.max_body_bytes, server.connection_limit) == (65536, 50)
    assert (server.work_threads, server.socket_threads) == (3, 4)
    assert server.channel_timeout == timedelta(seconds=5)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"max_body_bytes": 10}, "server.max_body_bytes"),
        ({"connection_limit": 0}, "server.connection_limit"),
        ({"channel_timeout": "0.5s"}, "server.channel_timeout"),
        ({"max_body": 1}, "server.max_body"),
        ({"work_threads": 0}, "server.work_threads"),
        ({"socket_threads": "many"}, "server.socket_threads"),
        ({"expensive_commands_per_minute": 0}, "server.expensive_commands_per_minute"),
    ],
)
def test_bad_values_name_their_key(section: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"server": section})
    assert caught.value.key == key


def test_loopback_by_default_outside_a_container(tmp_path: Path) -> None:
    assert default_host("", {}, tmp_path) == "127.0.0.1"


@pytest.mark.parametrize(
    ("marker", "environ"),
    [
        (".dockerenv", {}),
        ("run/.containerenv", {}),
        (None, {"container": "podman"}),
        (None, {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}),
    ],
)
def test_every_interface_inside_a_container(
    tmp_path: Path, marker: str | None, environ: dict[str, str]
) -> None:
    if marker:
        (tmp_path / marker).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / marker).touch()
    assert default_host("", environ, tmp_path) == "0.0.0.0"


def test_sitrep_host_wins(tmp_path: Path) -> None:
    (tmp_path / ".dockerenv").touch()
    assert default_host("10.1.2.3", {}, tmp_path) == "10.1.2.3"
