"""The sandbox attached to a running emulator: the app's address, change signals, ephemerals.

The emulator stays a plain Slack stand-in; a ``Sandbox`` adds the parts a
person at a browser needs: requests to the app signed like Slack's, a version
number that moves whenever the workspace changes (the page listens for it over
server-sent events), and the messages only one person sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from emulator import payloads
from emulator.sandbox.ephemerals import Ephemerals
from emulator.sandbox.link import AppLink
from emulator.sandbox.people import Event, announce_join

if TYPE_CHECKING:
    from emulator.slack_emulator import SlackEmulator

log = logging.getLogger(__name__)

# Web API methods that only read: they do not move the page's version.
READS = {
    "auth.test",
    "team.info",
    "users.info",
    "users.list",
    "users.lookupByEmail",
    "conversations.history",
    "conversations.replies",
    "conversations.info",
    "conversations.list",
    "conversations.members",
    "reactions.get",
    "pins.list",
    "chat.getPermalink",
    "files.info",
    "bookmarks.list",
    "apps.connections.open",
}


class Sandbox:
    """Everything the page's routes share; attach before the emulator starts."""

    def __init__(
        self,
        emu: SlackEmulator,
        app_url: str = "",
        signing_secret: str = "",
        *,
        control_url: str = "",
        control_token: str = "",
        commands: tuple[str, ...] = ("/incident",),
        shortcuts: dict[str, str] | None = None,
    ) -> None:
        self.emu = emu
        self.ws = emu._ws  # the emulator's own workspace: the sandbox is part of the package
        self.link = AppLink(app_url, signing_secret)
        self.control_url = control_url.rstrip("/")
        self.control_token = control_token
        self.commands = commands
        self.shortcuts = dict(shortcuts or {})
        self.ephemerals = Ephemerals()
        self.version = 0
        self.app_ready = not app_url
        self.scenario: dict[str, Any] = {"running": False}
        self.closing = False
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._lock = threading.Lock()
        emu._server.observers.append(self._observe)
        from emulator.sandbox.routes import add_routes  # routes need this class

        emu._server.route_adders.append(lambda app: add_routes(app, self))

    @property
    def base_url(self) -> str:
        return self.emu.base_url

    # ----- lifecycle (on the server loop) ------------------------------------
    async def on_startup(self, _app: Any) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self.link.url:
            self._tasks.append(self._loop.create_task(self._watch_app()))

    async def on_shutdown(self, _app: Any) -> None:
        """Before connections close: end the pages' streams and the background work."""
        self.closing = True
        self._notify()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def on_cleanup(self, _app: Any) -> None:
        await self.link.close()

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        """Run a coroutine on the server loop, kept until it ends."""
        assert self._loop is not None
        task = self._loop.create_task(coroutine)
        self._tasks.append(task)
        task.add_done_callback(lambda t: self._tasks.remove(t) if t in self._tasks else None)
        return task

    async def _watch_app(self) -> None:
        """Tell the page whether the app answers its health check."""
        parts = urlsplit(self.link.url)
        health = urlunsplit((parts.scheme, parts.netloc, "/healthz", "", ""))
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    async with session.get(health) as response:
                        ready = response.status == 200
                except (aiohttp.ClientError, TimeoutError, OSError):
                    ready = False
                if ready != self.app_ready:
                    self.app_ready = ready
                    self.changed()
                await asyncio.sleep(2.0 if ready else 0.2)

    # ----- change signals ------------------------------------------------------
    def changed(self) -> None:
        """The workspace moved: wake every page listening (from any thread)."""
        with self._lock:
            self.version += 1
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._notify()
        else:
            loop.call_soon_threadsafe(self._notify)

    def _notify(self) -> None:
        if self._wake is not None:
            woken, self._wake = self._wake, asyncio.Event()
            woken.set()

    async def wait_change(self, timeout: float) -> None:
        """Return at the next change, or after ``timeout`` seconds."""
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _observe(self, name: str, values: dict[str, Any], result: dict[str, Any]) -> None:
        """Called by the server after each Web API change, on its loop, under the lock."""
        if name == "chat.postEphemeral":
            self.ephemerals.from_post_ephemeral(self.ws)
        elif name == "response_url":
            body = {k: v for k, v in values.items() if k != "rid"}
            self.ephemerals.from_response(self.ws, str(values.get("rid", "")), body)
        elif name == "conversations.invite":
            self._invited(str(values.get("channel", "")), values.get("users"))
        if name not in READS:
            self.changed()

    def _invited(self, channel_id: str, users: Any) -> None:
        """People the app invited see a join message, and the app hears of it, as in Slack."""
        channel = self.ws.channels.get(channel_id)
        if channel is None:
            return
        ids = users if isinstance(users, list) else str(users or "").split(",")
        events: list[Event] = []
        for user_id in (u.strip() for u in ids if u and u.strip()):
            events += announce_join(self.ws, user_id, channel, inviter=self.ws.bot_user_id)
        self.send_events(events)

    # ----- talking to the app ----------------------------------------------------
    def send_events(self, events: list[Event]) -> None:
        """Queue events for the app, in order (call on the server loop, lock held or not)."""
        with self.ws.lock:
            envelopes = [payloads.event_callback(self.ws, event) for event in events]
        for envelope in envelopes:
            self.link.queue_event(envelope)

    def note(self, user: str, channel: str, text: str, sender: str = "USLACKBOT") -> None:
        """An ephemeral message from Slack itself (a failed command, an unreachable app)."""
        with self.ws.lock:
            self.ephemerals.add(self.ws, user, channel, {"text": text}, sender=sender)
        self.changed()

    async def run_job(self, name: str) -> tuple[int, dict[str, Any]]:
        """Ask the app's sandbox control endpoint to run one of its jobs now."""
        if not self.control_url:
            return 404, {"ok": False, "error": "this sandbox has no job control"}
        url = f"{self.control_url}/{name}"
        headers = {"X-Sandbox-Token": self.control_token}
        timeout = aiohttp.ClientTimeout(total=120)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, headers=headers) as response,
            ):
                body = await response.json(content_type=None)
                return response.status, body if isinstance(body, dict) else {"ok": False}
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            return 502, {"ok": False, "error": f"the app did not answer: {exc}"}
