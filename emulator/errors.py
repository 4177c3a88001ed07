"""The one exception a Web API handler raises to answer ``{"ok": false}``.

Handlers never build error bodies themselves: raising ``SlackError`` lets the
dispatcher check the code against ``contract.py`` and shape the body the way
Slack does (``error`` plus optional ``response_metadata``).
"""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A Slack error code, with optional extra top-level fields and messages."""

    def __init__(self, code: str, *messages: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.messages = list(messages)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body Slack answers with for this error."""
        body: dict[str, Any] = {"ok": False, "error": self.code}
        body.update(self.extra)
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body
