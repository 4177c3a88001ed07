"""Log output: plain text by default, one JSON object per line with ``SITREP_LOG_FORMAT=json``.

JSON lines carry the time (UTC, ISO 8601), level, logger and message, the
incident number and Slack event id when the work being logged has them (see
``core.log_context``), and the traceback of an exception as one string.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from core import log_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ContextFilter(logging.Filter):
    """Copies the bound context onto each record (``extra=`` given at the call wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in log_context.current().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in log_context.FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(level: str, fmt: str = "text") -> None:
    """Set up the root logger for the process, as ``logging.basicConfig`` would: when the
    root logger has handlers already (an embedding program, a test runner), they stay."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
