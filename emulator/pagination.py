"""Slack-style opaque cursors (base64 of ``key:value``, like Slack's own).

Bots must follow ``response_metadata.next_cursor`` rather than assume one page;
serving real multi-page answers is what makes that testable.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

from emulator.errors import SlackError

T = TypeVar("T")


def encode(kind: str, value: str) -> str:
    """An opaque cursor such as ``bmV4dF90czoxNzAwMDAwMDAwLjAwMDEwMA==``."""
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def decode(cursor: str, kind: str) -> str:
    """The value inside a cursor of this kind; anything else is ``invalid_cursor``."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    prefix = f"{kind}:"
    if not text.startswith(prefix):
        raise SlackError("invalid_cursor")
    return text[len(prefix) :]


def page(items: list[T], cursor: str, limit: int) -> tuple[list[T], str]:
    """Offset paging for lists (members, channels, users): items and next cursor."""
    start = 0
    if cursor:
        value = decode(cursor, "offset")
        if not value.isdigit():
            raise SlackError("invalid_cursor")
        start = int(value)
    chunk = items[start : start + limit]
    next_start = start + limit
    return chunk, encode("offset", str(next_start)) if next_start < len(items) else ""


def metadata(next_cursor: str) -> dict[str, Any]:
    """``response_metadata`` as Slack sends it (empty next_cursor on the last page)."""
    return {"response_metadata": {"next_cursor": next_cursor}}
