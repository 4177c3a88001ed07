"""Is this request from Slack, and is it the first time we handle it?

The signature and timestamp are checked on the raw bytes, before Bolt decodes
or parses anything, so a stranger's request costs one HMAC and nothing else
(``RequestChecks``, used by ``bot.server``).

A signature stays valid for Slack's five minutes either side of its
timestamp; within that window an identical request (same timestamp, same
body, so the same signature) is a replay. Replays are recognised where the
work starts, not in front of the acknowledgement (``Replays``, used by
``bot.surface``): the check is a database write, shared by every process
behind a load balancer, and an acknowledgement must never wait on the
database. A replay is acknowledged like the original and does nothing more.
Slack's own retries are signed afresh with a new timestamp, so they are new
requests here, and capture de-duplicates them by ``event_id`` as before.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from urllib.parse import parse_qs

from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

from storage.seen_requests import SeenRequests

TOLERANCE_SECONDS = 5 * 60
# Past the tolerance, so a clock a little behind Slack's cannot reopen the window.
KEEP_FOR = timedelta(seconds=TOLERANCE_SECONDS + 60)
SSL_CHECK_MAX_BYTES = 4096


class Verdict(Enum):
    VALID = "valid"
    FORGED = "forged"  # no, or a wrong, signature; or a stale or malformed timestamp
    SSL_CHECK = "ssl_check"


def _timestamp(text: str) -> int | None:
    """Seconds since the epoch, from ASCII digits only (no sign, point, or exponent)."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


class RequestChecks:
    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.clock = clock

    def judge(self, environ: Mapping[str, object], body: bytes) -> Verdict:
        if _is_ssl_check(environ, body):
            return Verdict.SSL_CHECK
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "").strip()
        sent = _timestamp(timestamp)
        if sent is None or not signature or abs(self.clock() - sent) > TOLERANCE_SECONDS:
            return Verdict.FORGED
        if not self.verifier.is_valid(body, str(sent), signature):
            return Verdict.FORGED
        return Verdict.VALID


def _is_ssl_check(environ: Mapping[str, object], body: bytes) -> bool:
    """Slack's certificate probe for slash command URLs: a tiny form with ``ssl_check=1``."""
    if len(body) > SSL_CHECK_MAX_BYTES or b"ssl_check" not in body:
        return False
    if "x-www-form-urlencoded" not in str(environ.get("CONTENT_TYPE") or ""):
        return False
    form = parse_qs(body.decode("utf-8", errors="replace"))
    return form.get("ssl_check") == ["1"]


class Replays:
    def __init__(self, seen: SeenRequests) -> None:
        self.seen = seen

    def first_run(self, request: BoltRequest, work: str) -> bool:
        """Claim ``work`` for this request; False when a request just like it already did.

        Requests without a signature (Socket Mode's, which come over Slack's own
        connection) are never replays.
        """
        signature = _header(request, "x-slack-signature")
        sent = _timestamp(_header(request, "x-slack-request-timestamp"))
        if not signature or sent is None:
            return True
        key = hashlib.sha256(f"{signature}\n{work}".encode()).hexdigest()
        return self.seen.first_time(key, datetime.fromtimestamp(sent, UTC) + KEEP_FOR)


def _header(request: BoltRequest, name: str) -> str:
    values = request.headers.get(name) or []
    return str(values[0]) if values else ""
