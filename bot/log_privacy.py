"""Keep request bodies out of the log.

Bolt writes the whole body of a request into some of its log lines: an
invalid signature (at INFO), an unhandled request (at WARNING). Anyone on the
internet can send such a request, so those lines let a stranger fill the disk
and put chat text into logs that are kept longer than Slack keeps it. Bolt
hands the filters of the logger an app is given to each of its own loggers,
so one filter on that logger covers them all.
"""

from __future__ import annotations

import logging

WITHHELD = "[request body withheld]"
# Bolt's wordings that a body follows; everything after the first is dropped.
_BODY_MARKERS = ("body:", "body=", "Unhandled request (")
MAX_MESSAGE = 2000


class WithholdBodies(logging.Filter):
    """Cut a log line where a request body would start, and cap every line's length."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cut = min((i for i in (message.find(m) for m in _BODY_MARKERS) if i >= 0), default=-1)
        if cut >= 0:
            marker = next(m for m in _BODY_MARKERS if message.startswith(m, cut))
            message = f"{message[: cut + len(marker)]} {WITHHELD}"
        elif len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "…"
        else:
            return True
        record.msg, record.args = message, None
        return True


def withhold_bodies(logger: logging.Logger) -> logging.Logger:
    """Add the filter once; returns ``logger`` for use inline."""
    if not any(isinstance(f, WithholdBodies) for f in logger.filters):
        logger.addFilter(WithholdBodies())
    return logger
