"""Requests the way Slack sends them: signed, form-encoded or JSON, to /slack/events."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import requests


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackSender:
    """Posts signed payloads to a running Sitrep, as Slack's servers would."""

    def __init__(self, url: str, secret: str, team_id: str = "T0000001") -> None:
        self.url = url
        self.secret = secret
        self.team_id = team_id

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret or self.secret, ts, body),
            **(headers or {}),
        }
        return requests.post(self.url, data=body, headers=sent, timeout=10)

    def command(
        self,
        text: str,
        *,
        user: str = "UALICE",
        channel: str = "CGENERAL",
        response_url: str = "",
        trigger_id: str = "",
        command: str = "/incident",
        **kwargs: Any,
    ) -> requests.Response:
        form = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SITREP",
            "response_url": response_url,
            "trigger_id": trigger_id or f"trigger-{uuid.uuid4().hex}",
        }
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **kwargs)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0, **kwargs: Any
    ) -> requests.Response:
        envelope = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "api_app_id": "A0SITREP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "UBOT", "is_bot": True}],
        }
        headers = dict(kwargs.pop("headers", {}) or {})
        if retry:
            headers.update(
                {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            )
        return self.post(
            json.dumps(envelope).encode(), "application/json", headers=headers, **kwargs
        )

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> requests.Response:
        payload = {
            "team": {"id": self.team_id, "domain": "acme"},
            "api_app_id": "A0SITREP",
            **payload,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)
