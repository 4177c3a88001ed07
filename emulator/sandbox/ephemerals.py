"""Messages only one person sees: chat.postEphemeral, response_url replies and acks.

Slack keeps no trace of these in the channel, so the emulator records them as
calls; the page needs them as messages, in order, per person, and replaced or
deleted when the app answers a click on one with ``replace_original`` or
``delete_original``. Call with the workspace lock held.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from emulator.state import Workspace

_ids = itertools.count(1)


@dataclass
class Ephemerals:
    """Every ephemeral message, and which response_url may replace which of them."""

    items: list[dict[str, Any]] = field(default_factory=list)
    # response_url id -> the ephemeral a click on it came from (its replies replace it)
    origin: dict[str, str] = field(default_factory=dict)

    def add(
        self,
        ws: Workspace,
        user: str,
        channel: str,
        body: dict[str, Any],
        source: str = "",
        sender: str = "",
    ) -> dict[str, Any]:
        """Record one; ``source`` is the response_url id it came through, if any."""
        item = {
            "id": f"E{next(_ids)}",
            "user": user,
            "channel": channel,
            "ts": ws.next_ts(),
            "text": str(body.get("text") or ""),
            "blocks": body.get("blocks") or [],
            "attachments": body.get("attachments") or [],
            "thread_ts": body.get("thread_ts") or None,
            "source": source,
            "sender": sender or ws.bot_user_id,
        }
        self.items.append(item)
        return item

    def from_post_ephemeral(self, ws: Workspace) -> None:
        """The chat.postEphemeral call the emulator has just recorded."""
        if not ws.ephemerals:
            return
        call = ws.ephemerals[-1]
        self.add(ws, call["user"], call["channel"], call)

    def from_response(self, ws: Workspace, rid: str, body: dict[str, Any]) -> None:
        """A post to a response_url; what changed a real message the emulator has applied."""
        target = ws.response_urls.get(rid)
        if target is None:
            return
        changes = bool(body.get("replace_original") or body.get("delete_original"))
        if target.message_ts and (changes or body.get("response_type") == "in_channel"):
            return
        if not changes and body.get("response_type") == "in_channel":
            return  # posted in the channel by the emulator
        if changes:
            replaced = self._replaceable(rid)
            if replaced is not None:
                index = self.items.index(replaced)
                if body.get("delete_original"):
                    del self.items[index]
                else:
                    kept = {k: replaced[k] for k in ("id", "user", "channel", "ts", "thread_ts")}
                    self.items[index] = {
                        **kept,
                        "text": str(body.get("text") or ""),
                        "blocks": body.get("blocks") or [],
                        "attachments": body.get("attachments") or [],
                        "source": rid,
                        "sender": ws.bot_user_id,
                    }
                return
            if body.get("delete_original"):
                return
        self.add(ws, target.user_id or "", target.channel_id or "", body, source=rid)

    def _replaceable(self, rid: str) -> dict[str, Any] | None:
        wanted = self.origin.get(rid)
        for item in reversed(self.items):
            if (wanted and item["id"] == wanted) or (not wanted and item["source"] == rid):
                return item
        return None

    def clicked(self, rid: str, ephemeral_id: str) -> None:
        """A click on an ephemeral message got this response_url: replies replace that one."""
        self.origin[rid] = ephemeral_id

    def find(self, ephemeral_id: str) -> dict[str, Any] | None:
        return next((i for i in self.items if i["id"] == ephemeral_id), None)

    def dismiss(self, user: str, ephemeral_id: str) -> None:
        self.items = [i for i in self.items if not (i["id"] == ephemeral_id and i["user"] == user)]

    def for_user(self, user: str, channel: str) -> list[dict[str, Any]]:
        return [i for i in self.items if i["user"] == user and i["channel"] == channel]
