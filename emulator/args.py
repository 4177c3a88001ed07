"""Typed access to a request's arguments, whatever body format carried them.

slack_sdk sends some methods form-encoded (every value a string, nested values
as JSON strings) and others as JSON (native values). Handlers read through
``Args`` so both arrive the same way, and bad values fail with Slack's codes.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.errors import SlackError

_TRUE = {"true", "1", "yes", "on"}


class Args:
    """A method's arguments (without the token)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        """True when the argument is present and not empty (Slack treats "" as absent)."""
        value = self.values.get(name)
        return value is not None and value != ""

    def str(self, name: str, default: str = "") -> str:
        """The argument as text."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)

    def bool(self, name: str, default: bool = False) -> bool:
        """The argument as a boolean ("true"/"1" or JSON true)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in _TRUE

    def int(self, name: str, default: int, error: str = "invalid_arguments") -> int:
        """The argument as an integer; a non-number fails with ``error``."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise SlackError(error, f"[ERROR] expected an integer for `{name}`")
        try:
            return int(str(value).strip())
        except ValueError:
            raise SlackError(error, f"[ERROR] expected an integer for `{name}`") from None

    def json(self, name: str, error: str = "invalid_arguments") -> Any:
        """A nested value: JSON bodies carry it natively, forms as a JSON string."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error, f"[ERROR] `{name}` is not valid JSON") from None
        return value

    def csv(self, name: str) -> list[str]:
        """A comma-separated list (or a JSON list), blanks dropped."""
        value = self.values.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [part.strip() for part in str(value).split(",") if part.strip()]
