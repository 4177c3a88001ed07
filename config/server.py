"""How the server protects itself: body and connection limits, and its threads.

The defaults fit Slack, whose payloads are a few kilobytes and whose requests
arrive whole within milliseconds; anything far outside that is not Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config.values import ConfigError, parse_duration, require_int, require_mapping

KNOWN_KEYS = {
    "max_body_bytes",
    "connection_limit",
    "channel_timeout",
    "work_threads",
    "socket_threads",
    "expensive_commands_per_minute",
}

DEFAULT_MAX_BODY = 1024 * 1024
# Each open connection costs waitress one to three file descriptors; 250 stays
# well inside the usual limit of 1,024 while leaving room above Slack's needs.
DEFAULT_CONNECTION_LIMIT = 250
DEFAULT_CHANNEL_TIMEOUT = "15s"
# Slow work (anything that calls Slack) mostly waits on the network, so a few
# threads go a long way; more would mostly add database connections.
DEFAULT_WORK_THREADS = 8
# Socket Mode's receiving threads only acknowledge, and each is quick.
DEFAULT_SOCKET_THREADS = 10
# Per person and process: sync, timeline all, search, stats, similar, postmortem.
DEFAULT_EXPENSIVE_PER_MINUTE = 6


@dataclass(frozen=True)
class ServerConfig:
    max_body_bytes: int = DEFAULT_MAX_BODY
    connection_limit: int = DEFAULT_CONNECTION_LIMIT
    channel_timeout: timedelta = timedelta(seconds=15)
    work_threads: int = DEFAULT_WORK_THREADS
    socket_threads: int = DEFAULT_SOCKET_THREADS
    expensive_commands_per_minute: int = DEFAULT_EXPENSIVE_PER_MINUTE


def parse_server(raw: Any) -> ServerConfig:
    section = require_mapping(raw, "server")
    unknown = sorted(set(section) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"server.{unknown[0]}", f"is not a known setting ({', '.join(sorted(KNOWN_KEYS))})"
        )
    max_body = require_int(
        section, "max_body_bytes", "server.max_body_bytes", DEFAULT_MAX_BODY, minimum=1024
    )
    connections = require_int(
        section,
        "connection_limit",
        "server.connection_limit",
        DEFAULT_CONNECTION_LIMIT,
        minimum=1,
    )
    timeout = parse_duration(
        section.get("channel_timeout", DEFAULT_CHANNEL_TIMEOUT), "server.channel_timeout"
    )
    assert timeout is not None
    if timeout < timedelta(seconds=1):
        raise ConfigError("server.channel_timeout", "must be at least 1s")
    return ServerConfig(
        max_body_bytes=max_body,
        connection_limit=connections,
        channel_timeout=timeout,
        work_threads=require_int(
            section, "work_threads", "server.work_threads", DEFAULT_WORK_THREADS, minimum=1
        ),
        socket_threads=require_int(
            section, "socket_threads", "server.socket_threads", DEFAULT_SOCKET_THREADS, minimum=1
        ),
        expensive_commands_per_minute=require_int(
            section,
            "expensive_commands_per_minute",
            "server.expensive_commands_per_minute",
            DEFAULT_EXPENSIVE_PER_MINUTE,
            minimum=1,
        ),
    )
