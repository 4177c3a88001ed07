"""What a log line is about: the incident and the Slack event being handled.

Set with ``bound(...)`` around a piece of work; the log formatter adds the
values to every line written inside it, so JSON logs can be filtered by
incident or event without each call site repeating them. Context variables
follow the code that set them, not the thread: work handed to another thread
binds again there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("incident", "incident_id", "event_id", "job")

_context: ContextVar[dict[str, Any] | None] = ContextVar("sitrep_log_context", default=None)


def current() -> dict[str, Any]:
    return _context.get() or {}


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Add ``values`` (None ones are left out) to every log line inside the block."""
    added = {k: v for k, v in values.items() if v is not None}
    token = _context.set({**current(), **added})
    try:
        yield
    finally:
        _context.reset(token)
