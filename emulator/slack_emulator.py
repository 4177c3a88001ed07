"""``SlackEmulator``: what tests hold — start/stop, seed, inspect, inject faults, push envelopes.

Everything it returns is a deep copy taken under the workspace lock, so a test
thread never sees a half-written state and cannot corrupt the server's by
mutating what it got.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from emulator import payloads
from emulator.errors import SlackError
from emulator.events import Subscription
from emulator.faults import Fault, FaultPlan
from emulator.interactions import apply_view_ack
from emulator.methods.common import rename_check
from emulator.objects import user_message, user_object
from emulator.server import EmulatorServer
from emulator.socket_mode import SocketHub, envelope
from emulator.state import Channel, User, UserGroup, Workspace
from emulator.timeline import add_message


class SlackEmulator:
    """A stateful Slack Web API + Socket Mode server on 127.0.0.1."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        team_id: str = "T0000001",
        bot_user_id: str = "UBOT",
        *,
        bot_id: str = "B0000BOT",
        app_id: str = "A0000APP",
        bot_name: str = "sitrep",
        chat_write_public: bool = True,
    ) -> None:
        bot = User(
            id=bot_user_id,
            name=bot_name,
            real_name=bot_name.capitalize(),
            display_name=bot_name,
            is_bot=True,
            bot_id=bot_id,
        )
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self._ws = Workspace(team_id, bot, bot_id, app_id)
        self._ws.chat_write_public = chat_write_public
        self._faults = FaultPlan()
        self._hub = SocketHub(self._ws)
        self._server = EmulatorServer(self._ws, self._hub, self._faults, bot_token, app_token)

    # ----- lifecycle -------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> SlackEmulator:
        """Serve on a background thread (port 0 picks a free port)."""
        self._server.start(host, port)
        return self

    def stop(self) -> None:
        """Close Socket Mode clients and the server."""
        self._server.stop()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget all state, faults and the event subscription except the bot user.

        Socket Mode clients stay connected.
        """
        self._server.events.subscribe(None)
        self._ws.clear()
        self._faults.clear()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self._server.base_url

    @property
    def api_url(self) -> str:
        """What WebClient's ``base_url`` (and the bot's SLACK_API_URL) must be."""
        return f"{self._server.base_url}/api/"

    @property
    def port(self) -> int:
        """The bound port."""
        return self._server.port

    # ----- seeding ---------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str = "",
        tz: str = "UTC",
        tz_offset: int = 0,
        is_bot: bool = False,
        email: str | None = None,
        *,
        display_name: str = "",
        tz_label: str | None = None,
        is_admin: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """Add a workspace member; returns the user object users.info would."""
        with self._ws.lock:
            if user_id in self._ws.users:
                raise ValueError(f"user {user_id} already exists")
            user = User(
                id=user_id,
                name=name,
                real_name=real_name or name,
                display_name=display_name or name,
                tz=tz,
                tz_label=tz_label or tz,
                tz_offset=tz_offset,
                is_bot=is_bot,
                email=email,
                is_admin=is_admin,
                deleted=deleted,
            )
            self._ws.users[user_id] = user
            return user_object(self._ws, user)

    def add_usergroup(
        self, handle: str, users: list[str], name: str = "", *, disabled: bool = False
    ) -> str:
        """Create a user group (``@handle``) with these members; returns its id (``S...``)."""
        with self._ws.lock:
            group = UserGroup(
                id=self._ws.new_id("S"),
                handle=handle.lstrip("@"),
                name=name or handle.lstrip("@"),
                users=list(users),
                date_delete=int(time.time()) if disabled else 0,
            )
            self._ws.usergroups[group.id] = group
            return group.id

    def add_channel(
        self,
        name: str,
        is_private: bool = False,
        members: list[str] | None = None,
        bot_member: bool = True,
        *,
        topic: str = "",
        purpose: str = "",
        is_archived: bool = False,
        creator: str | None = None,
        created: int | None = None,
    ) -> str:
        """Create a channel directly (Slack's naming rules apply); returns its id.

        ``created`` (Unix seconds, default now) back-dates a channel made long ago.
        """
        try:
            rename_check(name)
        except SlackError as exc:
            raise ValueError(f"invalid channel name {name!r}: {exc.code}") from None
        with self._ws.lock:
            if self._ws.channel_named(name) is not None:
                raise ValueError(f"name_taken: {name}")
            people = set(members or [])
            unknown = sorted(u for u in people if u not in self._ws.users)
            if unknown:
                raise ValueError(f"unknown users {unknown}: add_user them first")
            if bot_member:
                people.add(self.bot_user_id)
            channel = Channel(
                id=self._ws.new_id("C"),
                name=name,
                is_private=is_private,
                members=people,
                topic=topic,
                purpose=purpose,
                is_archived=is_archived,
                creator=creator
                or (self.bot_user_id if bot_member else next(iter(sorted(people)), "")),
            )
            if created is not None:
                channel.created = created
            self._ws.channels[channel.id] = channel
            return channel.id

    def post_as_user(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """Seed a message a person wrote (the bot cannot edit or delete it); returns its ts."""
        with self._ws.lock:
            channel = self._ws.channels[channel_id]
            message = user_message(self._ws, self._ws.next_ts(), user_id, text)
            if blocks:
                message["blocks"] = blocks
            add_message(channel, message, thread_ts)
            return message["ts"]

    def react_as_user(self, channel_id: str, ts: str, user_id: str, name: str) -> None:
        """Seed a person's reaction on a message, kept on it as reactions.add keeps the bot's."""
        with self._ws.lock:
            message = self._ws.channels[channel_id].find_message(ts)
            if message is None:
                raise ValueError(f"no message {ts} in {channel_id}")
            reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if user_id not in entry["users"]:
                entry["users"].append(user_id)
            entry["count"] = len(entry["users"])

    # ----- inspection ------------------------------------------------------
    def _copy(self, value: Any) -> Any:
        with self._ws.lock:
            return copy.deepcopy(value)

    def user(self, user_id: str) -> dict[str, Any] | None:
        """users.info's user object, or None."""
        with self._ws.lock:
            user = self._ws.user(user_id)
            return user_object(self._ws, user) if user else None

    def channel(self, channel_id: str) -> Channel | None:
        """A snapshot of a channel: id, name, members, topic, purpose, pins, messages, replies..."""
        return self._copy(self._ws.channels.get(channel_id))

    def channel_by_name(self, name: str) -> Channel | None:
        """A snapshot of the channel with this name."""
        with self._ws.lock:
            return copy.deepcopy(self._ws.channel_named(name))

    def messages(self, channel_id: str, include_replies: bool = False) -> list[dict[str, Any]]:
        """Top-level messages oldest first (with ``include_replies``, thread replies too, by ts)."""
        with self._ws.lock:
            channel = self._ws.channels.get(channel_id)
            if channel is None:
                return []
            chosen = list(channel.messages)
            if include_replies:
                seen = {m["ts"] for m in chosen}
                chosen += [m for r in channel.replies.values() for m in r if m["ts"] not in seen]
                chosen.sort(key=lambda m: m["ts"])
            return copy.deepcopy(chosen)

    def replies(self, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        """A thread's replies, oldest first (without the parent)."""
        with self._ws.lock:
            channel = self._ws.channels.get(channel_id)
            return copy.deepcopy(channel.replies.get(thread_ts, [])) if channel else []

    def dms(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the bot's IM with this user."""
        with self._ws.lock:
            channel = self._ws.im_with(user_id)
            return copy.deepcopy(channel.messages) if channel else []

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """chat.postEphemeral calls: channel, user, text, blocks, thread_ts, ts."""
        return self._copy(self._ws.ephemerals)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Bodies posted to response URLs, each with its ``url``."""
        return self._copy(self._ws.responses)

    @property
    def views(self) -> list[dict[str, Any]]:
        """Opened/pushed/updated views: id, view, trigger_id, user, action."""
        return self._copy(self._ws.view_log)

    def view(self, view_id: str) -> dict[str, Any] | None:
        """A view's current content."""
        return self._copy(self._ws.views.get(view_id))

    def open_views(self, user_id: str) -> list[str]:
        """The modal stack a user has open (view ids, bottom first)."""
        return self._copy(self._ws.view_stacks.get(user_id, []))

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """Published App Home views by user id."""
        return self._copy(self._ws.home_views)

    @property
    def files(self) -> list[dict[str, Any]]:
        """Uploaded files: id, name, title, filetype, content (bytes), channels, comment, thread."""
        with self._ws.lock:
            return [
                {
                    "id": f.id,
                    "name": f.name,
                    "title": f.title or f.name,
                    "filetype": f.filetype,
                    "content": f.content or b"",
                    "size": len(f.content or b""),
                    "channels": list(f.channels),
                    "initial_comment": f.initial_comment,
                    "thread_ts": f.thread_ts,
                    "completed": f.completed,
                }
                for f in self._ws.files.values()
                if f.uploaded
            ]

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every Web API call received, in order: (method, args without token)."""
        return self._copy(self._ws.calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The args of every call to one method."""
        return [args for name, args in self.calls if name == method]

    @property
    def internal_errors(self) -> list[str]:
        """Emulator bugs: handler crashes and undocumented error codes (should stay empty)."""
        return self._copy(self._ws.internal_errors)

    @property
    def socket_acks(self) -> list[dict[str, Any]]:
        """Every ack received over Socket Mode."""
        return self._copy(self._ws.socket_acks)

    # ----- interaction helpers ---------------------------------------------
    def new_trigger_id(self, user: str | None = None, ttl: float = payloads.TRIGGER_TTL) -> str:
        """A trigger_id usable once within ``ttl`` seconds (3 s, like Slack)."""
        with self._ws.lock:
            return payloads.new_trigger(self._ws, user, ttl)

    def response_url(
        self,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A response_url; bound to a channel/message it can post there or replace/delete it."""
        with self._ws.lock:
            return payloads.new_response_url(
                self._ws, self.base_url, channel_id, user_id, message_ts
            )

    def slash_command_payload(
        self, command: str, text: str = "", user_id: str = "U0000001", channel_id: str = ""
    ) -> dict[str, Any]:
        """A slash command payload with a fresh response_url and trigger_id."""
        with self._ws.lock:
            return payloads.slash_command(
                self._ws, self.base_url, command, text, user_id, channel_id
            )

    def block_actions_payload(
        self,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str = "",
        block_id: str = "",
    ) -> dict[str, Any]:
        """A button click on a message, with response_url bound to that message."""
        with self._ws.lock:
            return payloads.block_actions(
                self._ws, self.base_url, user_id, channel_id, message_ts, action_id, value, block_id
            )

    def view_submission_payload(
        self, view_id: str, user_id: str, values: dict[str, dict[str, dict[str, Any]]]
    ) -> dict[str, Any]:
        """A submission of an opened view; ``values`` is Slack's state.values shape."""
        with self._ws.lock:
            return payloads.view_submission(self._ws, view_id, user_id, values)

    def event_payload(self, event: dict[str, Any]) -> dict[str, Any]:
        """Wrap an inner event in the Events API's event_callback."""
        with self._ws.lock:
            return payloads.event_callback(self._ws, event)

    # ----- faults ----------------------------------------------------------
    def fail_next(self, method: str, error: str = "name_taken", count: int = 1) -> None:
        """The next ``count`` calls answer HTTP 200 ``{"ok": false, "error": error}``."""
        self._faults.arm(Fault(method=method, kind="error", remaining=count, error=error))

    def rate_limit(
        self,
        method: str = "*",
        count: int = 3,
        retry_after: int = 1,
        *,
        seconds: float | None = None,
    ) -> None:
        """The next ``count`` calls answer HTTP 429 with Retry-After.

        With ``seconds``, every call for that long is refused instead, each
        told to wait ``retry_after`` seconds but never past the limit's end.
        """
        until = time.monotonic() + seconds if seconds is not None else None
        self._faults.arm(
            Fault(
                method=method, kind="ratelimit", remaining=count, retry_after=retry_after,
                until=until,
            )
        )  # fmt: skip

    def server_error(self, method: str = "*", count: int = 1, status: int = 500) -> None:
        """The next ``count`` calls answer HTTP ``status`` (5xx)."""
        self._faults.arm(Fault(method=method, kind="server_error", remaining=count, status=status))

    def drop_response(self, method: str, count: int = 1, *, applied: bool = True) -> None:
        """The next ``count`` calls get no answer: the connection closes without a response.

        With ``applied`` (the default) the call takes effect first, as when
        Slack did the work and the answer was lost on the way back.
        """
        self._faults.arm(Fault(method=method, kind="drop", remaining=count, applied=applied))

    def delay(self, method: str, seconds: float, count: int = 1) -> None:
        """The next ``count`` calls are answered after ``seconds``."""
        self._faults.arm(Fault(method=method, kind="delay", remaining=count, seconds=seconds))

    def set_bot_scopes(self, scopes: list[str]) -> None:
        """The scopes the bot token is granted (``x-oauth-scopes`` on every answer)."""
        with self._ws.lock:
            self._ws.bot_scopes = list(scopes)

    def clear_faults(self) -> None:
        """Disarm all faults."""
        self._faults.clear()

    # ----- events Slack sends by itself ------------------------------------
    def subscribe(
        self,
        request_url: str | None = None,
        signing_secret: str = "",
        *,
        socket_mode: bool = False,
        events: list[str] | None = None,
    ) -> None:
        """Send the events the bot's calls cause (e.g. ``member_joined_channel`` after
        conversations.create or .invite), like an app with event subscriptions.

        They go as signed Events API requests to ``request_url``, or with
        ``socket_mode`` to the connected Socket Mode client; ``events`` limits
        the kinds (default: all). Until this is called nothing is sent.
        """
        if request_url is None and not socket_mode:
            raise ValueError("give a request_url or socket_mode=True")
        self._server.events.subscribe(
            Subscription(
                request_url=request_url,
                signing_secret=signing_secret,
                socket_mode=socket_mode,
                events=frozenset(events) if events is not None else None,
            )
        )

    def unsubscribe(self) -> None:
        """Send no more events (those already queued are dropped)."""
        self._server.events.subscribe(None)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """Events sent so far: event, event_id, and status (the app's HTTP status, or
        None when it could not be reached or did not answer in 3 s)."""
        return self._copy(self._ws.deliveries)

    # ----- Socket Mode -----------------------------------------------------
    def socket_connected(self, timeout: float = 5) -> bool:
        """Wait until a Socket Mode client is connected."""
        return self._hub.connected(timeout)

    def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        timeout: float = 5,
        accepts_response_payload: bool | None = None,
    ) -> dict[str, Any]:
        """Push an envelope, wait for its ack, return the ack's payload ({} if none).

        A bare event (no ``event`` key) is wrapped in an event_callback; a
        view_submission ack's response_action is applied to the modal stack.
        Raises TimeoutError when no client acks in time.
        """
        if envelope_type == "events_api" and "event" not in payload:
            payload = self.event_payload(payload)
        ack = self._hub.push(envelope(envelope_type, payload, accepts_response_payload), timeout)
        answer = ack.get("payload") or {}
        if envelope_type == "interactive" and payload.get("type") == "view_submission":
            with self._ws.lock:
                apply_view_ack(self._ws, payload, answer)
        return answer

    def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message and close the sockets (clients should reconnect)."""
        if self._server.loop is not None:
            asyncio.run_coroutine_threadsafe(
                self._hub.disconnect_all(reason), self._server.loop
            ).result(5)
