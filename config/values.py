"""Parsers for the value shapes that appear in configuration.

Every parser raises ``ConfigError`` naming the key, so a typo in YAML stops
startup with a message that says where and what, instead of a stack trace.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"configuration key '{key}': {problem}")


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any, key: str, *, allow_none: bool = False) -> timedelta | None:
    """Read ``90s``, ``20m``, ``2h``, ``1d`` or ``2w``; ``none``/``off`` when allowed."""
    if value is None or (isinstance(value, str) and value.strip().lower() in {"none", "off"}):
        if allow_none:
            return None
        raise ConfigError(key, "a duration is required, like 90s, 20m or 2h")
    if isinstance(value, bool):
        raise ConfigError(key, f"expected a duration like 90s, 20m or 2h, got {value!r}")
    if isinstance(value, int):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(key, f"expected a duration like 90s, 20m or 2h, got {value!r}")
    amount, unit = float(match.group(1)), match.group(2)
    if amount == 0 and not allow_none:
        raise ConfigError(key, "a duration must be greater than zero")
    return timedelta(seconds=amount * _UNIT_SECONDS[unit])


def require_str(mapping: dict[str, Any], name: str, key: str, default: str | None = None) -> str:
    """A non-empty string at ``mapping[name]``, or the default."""
    value = mapping.get(name, default)
    if value is None:
        raise ConfigError(key, "is required")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, f"expected non-empty text, got {value!r}")
    return value.strip()


def optional_str(mapping: dict[str, Any], name: str, key: str, default: str = "") -> str:
    value = mapping.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ConfigError(key, f"expected text, got {value!r}")
    return value


def require_bool(mapping: dict[str, Any], name: str, key: str, default: bool) -> bool:
    value = mapping.get(name, default)
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected true or false, got {value!r}")
    return value


def require_int(
    mapping: dict[str, Any], name: str, key: str, default: int, *, minimum: int = 0
) -> int:
    value = mapping.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, f"expected a whole number, got {value!r}")
    if value < minimum:
        raise ConfigError(key, f"must be at least {minimum}, got {value}")
    return value


def require_mapping(value: Any, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(key, f"expected a mapping of keys to values, got {type(value).__name__}")
    return value


def require_list(value: Any, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(key, f"expected a list, got {type(value).__name__}")
    return value
