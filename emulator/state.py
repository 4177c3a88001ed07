"""Everything the emulated workspace remembers, behind one lock.

The server thread writes this state while tests read it from their own thread,
so every access goes through ``Workspace.lock`` (re-entrant, so a handler can
call helpers that take it again). Messages are kept as the dicts Slack returns,
which keeps rendering trivial and lets tests compare against Slack's shapes.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class User:
    """A workspace member (human or bot)."""

    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    tz: str = "UTC"
    tz_label: str = "Coordinated Universal Time"
    tz_offset: int = 0
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False
    email: str | None = None
    bot_id: str | None = None


@dataclass
class Channel:
    """A conversation: public/private channel, IM ("D...") or MPIM."""

    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    creator: str = ""
    members: set[str] = field(default_factory=set)
    topic: str = ""
    purpose: str = ""
    pins: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    canvas: dict[str, Any] | None = None
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    topic_meta: dict[str, Any] = field(default_factory=lambda: {"creator": "", "last_set": 0})
    purpose_meta: dict[str, Any] = field(default_factory=lambda: {"creator": "", "last_set": 0})
    pin_meta: dict[str, dict[str, Any]] = field(default_factory=dict)

    def find_message(self, ts: str) -> dict[str, Any] | None:
        """A top-level message or a thread reply with this ts."""
        for message in self.messages:
            if message.get("ts") == ts:
                return message
        for replies in self.replies.values():
            for message in replies:
                if message.get("ts") == ts:
                    return message
        return None

    def top_level(self, ts: str) -> dict[str, Any] | None:
        """Only a top-level message (thread parents live here)."""
        for message in self.messages:
            if message.get("ts") == ts:
                return message
        return None

    def parent_of(self, ts: str) -> str | None:
        """The thread a reply belongs to, or None for a top-level message."""
        for parent_ts, replies in self.replies.items():
            if any(m.get("ts") == ts for m in replies) and parent_ts != ts:
                return parent_ts
        return None


@dataclass
class UserGroup:
    """A user group ("subteam"): a handle people mention, and its members."""

    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""
    date_delete: int = 0
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass
class StoredFile:
    """A file uploaded through getUploadURLExternal + completeUploadExternal."""

    id: str
    name: str
    length: int
    title: str = ""
    filetype: str = ""
    content: bytes | None = None
    uploaded: bool = False
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    initial_comment: str = ""
    thread_ts: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    shares: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Trigger:
    """A trigger_id a test handed to the bot; Slack honours one for 3 seconds, once."""

    id: str
    user: str | None
    expires_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    """A response_url; Slack accepts up to 5 posts to one."""

    id: str
    url: str
    channel_id: str | None = None
    user_id: str | None = None
    message_ts: str | None = None
    uses: int = 0


# What a bot token is granted unless a test says otherwise: the scopes an
# incident bot commonly asks for. Slack lists a token's scopes in the
# ``x-oauth-scopes`` header of every Web API answer.
DEFAULT_BOT_SCOPES = [
    "canvases:write",
    "channels:history",
    "channels:join",
    "channels:manage",
    "channels:read",
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "groups:write",
    "im:history",
    "im:read",
    "im:write",
    "pins:read",
    "pins:write",
    "reactions:read",
    "reactions:write",
    "users:read",
]


class Workspace:
    """The whole emulated workspace; hold ``lock`` while reading or writing."""

    def __init__(self, team_id: str, bot_user: User, bot_id: str, app_id: str) -> None:
        self.lock = threading.RLock()
        self.team_id = team_id
        self.team_name = "Sitrep Emulator"
        self.team_domain = "sitrep-emulator"
        self.bot_user_id = bot_user.id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_user = bot_user
        self.chat_write_public = True  # the bot may post in public channels it is not in
        self._last_ts = 0
        # Ids keep counting across clear(): a straggler from a previous test must not
        # land in a new test's channel that happens to reuse an id.
        self._ids = itertools.count(1)
        self.clear()

    def clear(self) -> None:
        """Forget everything but the bot user (what ``SlackEmulator.reset`` promises)."""
        with self.lock:
            self.bot_scopes: list[str] = list(DEFAULT_BOT_SCOPES)
            self.users: dict[str, User] = {self.bot_user.id: self.bot_user}
            self.channels: dict[str, Channel] = {}
            self.views: dict[str, dict[str, Any]] = {}
            self.view_log: list[dict[str, Any]] = []
            self.view_stacks: dict[str, list[str]] = {}
            self.home_views: dict[str, dict[str, Any]] = {}
            self.files: dict[str, StoredFile] = {}
            self.ephemerals: list[dict[str, Any]] = []
            self.responses: list[dict[str, Any]] = []
            self.response_urls: dict[str, ResponseUrl] = {}
            self.triggers: dict[str, Trigger] = {}
            self.calls: list[tuple[str, dict[str, Any]]] = []
            self.internal_errors: list[str] = []
            self.socket_acks: list[dict[str, Any]] = []
            self.canvases: dict[str, str] = {}
            self.usergroups: dict[str, UserGroup] = {}
            # Events the current call caused, not yet handed to the sender, and
            # every delivery made (event, event_id, the app's HTTP status or None).
            self.outbox: list[dict[str, Any]] = []
            self.deliveries: list[dict[str, Any]] = []

    def new_id(self, prefix: str) -> str:
        """A Slack-looking id, unique within this workspace (e.g. ``CEMU000001``)."""
        return f"{prefix}EMU{next(self._ids):06d}"

    def next_ts(self) -> str:
        """A message ts from the clock, strictly increasing like Slack's."""
        with self.lock:
            now = int(time.time() * 1_000_000)
            self._last_ts = max(now, self._last_ts + 1)
            return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def user(self, user_id: str) -> User | None:
        """A user by id."""
        return self.users.get(user_id)

    def im_with(self, user_id: str) -> Channel | None:
        """The bot's IM channel with a user, if opened."""
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        return None

    def channel_named(self, name: str) -> Channel | None:
        """A channel by its name (IMs have none)."""
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        return None
