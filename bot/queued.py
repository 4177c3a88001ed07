"""Telling people their request waits for a worker, rather than leaving them in silence.

Said in the acknowledgement itself where Slack shows one (a slash command's
ephemeral answer, a form replaced by a "queued" view), so it costs no Slack
call. Buttons and shortcuts show nothing from an acknowledgement; for those
an ephemeral note is posted from a thread of its own, never the work pool's,
which is full by definition when this is said.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltRequest
from slack_sdk import WebClient

from bot.render import Templates
from bot.workflows.dm import tell_user

log = logging.getLogger(__name__)


class QueuedNotices:
    def __init__(self, templates: Templates, client: WebClient) -> None:
        self.templates = templates
        self.client = client
        self._poster = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitrep-queued")

    def tell(self, request: BoltRequest) -> None:
        """Add the notice to an acknowledgement that said nothing, or post it beside."""
        body, ack = request.body, request.context.ack
        if ack.response is not None and ack.response.body:
            return  # the acknowledgement already answered (form errors, a reply)
        message = self.templates.message("messages/queued.json.j2")
        if body.get("command"):
            ack(response_type="ephemeral", **message)
        elif body.get("type") == "view_submission":
            ack(response_action="update", view=self.templates.json("views/queued_modal.json.j2"))
        elif body.get("type") in ("block_actions", "message_action", "shortcut"):
            user = (body.get("user") or {}).get("id") or ""
            channel = (body.get("channel") or {}).get("id") or ""
            if user:
                self._poster.submit(self._post, user, channel, message)

    def _post(self, user: str, channel: str, message: dict[str, Any]) -> None:
        try:
            tell_user(self.client, user, channel, message)
        except Exception:  # a notice is a courtesy; the queued work still runs
            log.warning("could not tell %s that their request is queued", user, exc_info=True)
