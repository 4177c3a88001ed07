"""The "Scenario" button: a scripted SEV2, played through the page's own endpoints.

Three people declare an incident, talk it through (pinning key messages and
marking an insight), take roles, post an update and get reminded of the next,
resolve, draft the postmortem canvas, add an action item and receive the
weekly digest. It drives only ``/sandbox/api/*``, exactly as the page does, and
waits for the app's answers instead of assuming them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulator.sandbox.hub import Sandbox

log = logging.getLogger(__name__)

TITLE = "Checkout API returning 500s"
State = dict[str, Any]


@dataclass
class Line:
    """One chat message, the reactions it gets, and its thread replies."""

    who: str
    text: str
    reactions: list[tuple[str, str]] = field(default_factory=list)  # (who, emoji)
    replies: list[tuple[str, str]] = field(default_factory=list)  # (who, text)


OPENING = [
    Line("alice", "I'm IC. Checkout 5xx went from 0.1% to 9% at 14:02. Who's around?"),
    Line("bob", "Here. The status page is still green, so customers hear it from us first."),
    Line("carol", "On it from the platform side, looking at the checkout-api dashboards."),
    Line(
        "carol",
        "All errors are `POST /v2/checkout` → `503 upstream connect error` from the payments "
        "client.",
        reactions=[("alice", "pushpin")],
    ),
    Line("alice", "Did anything ship around 14:00?"),
    Line("carol", "checkout-api v4.12 went out at 13:58. It bumps the payments SDK."),
    Line("bob", "Support has 14 tickets so far, mostly from EU customers."),
    Line(
        "carol",
        "The new SDK opens a TLS connection per request and the pool stops at 50: we run out "
        "of connections under load.",
        reactions=[("bob", "bulb"), ("alice", "pushpin")],
    ),
    Line("alice", "That fits the timing. @carol can we roll back to v4.11?"),
    Line("carol", "Rolling back now, about five minutes."),
]
MIDDLE = [
    Line("bob", "Status page notice is up: _Some card payments are failing_."),
    Line("carol", "Rollback is 60% done and the error rate is already dropping."),
    Line(
        "alice",
        "Thread for the customer e-mail draft :point_down:",
        replies=[
            ("bob", "Draft: *Some card payments failed between 14:02 and 14:25 UTC.* ..."),
            ("alice", "Looks good. Send it once we have confirmed recovery."),
        ],
    ),
]
CLOSING = [
    Line("bob", "Got the reminder; the next update goes out once the rollback is done."),
    Line(
        "carol",
        "Rollback complete. 5xx is back to the 0.1% baseline.",
        reactions=[("alice", "pushpin"), ("alice", "white_check_mark")],
    ),
    Line("alice", "Confirmed on the checkout funnel too. Watching for ten more minutes."),
    Line("bob", "Customer e-mail sent."),
    Line("carol", "Opened PAY-2231 to cap connections in our SDK wrapper."),
    Line("alice", "Great work, everyone. Resolving."),
]


class Player:
    """Plays the script against the sandbox's own endpoints."""

    def __init__(self, sandbox: Sandbox, viewer: str, speed: float, next_update: int) -> None:
        self.sb = sandbox
        self.viewer = viewer
        self.speed = max(speed, 0.0)
        self.next_update = next_update
        self.ids: dict[str, str] = {}
        self.channel = ""
        self.session: aiohttp.ClientSession | None = None

    # ----- plumbing ------------------------------------------------------------
    async def call(self, path: str, body: dict[str, Any]) -> State:
        assert self.session is not None
        async with self.session.post(f"{self.sb.base_url}/sandbox/api/{path}", json=body) as r:
            answer: State = await r.json()
        if not answer.get("ok"):
            raise RuntimeError(f"{path} failed: {answer.get('error')}")
        return answer

    async def state(self, user: str, channel: str = "") -> State:
        assert self.session is not None
        query = {"user": user, "channel": channel}
        async with self.session.get(f"{self.sb.base_url}/sandbox/api/state", params=query) as r:
            found: State = await r.json()
            return found

    async def wait(self, what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = await check()
            if found:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app did not {what} within {timeout:.0f}s")
            await asyncio.sleep(0.2)

    async def pause(self, seconds: float) -> None:
        if self.speed:
            await asyncio.sleep(seconds * self.speed)

    def step(self, label: str, index: int, **extra: Any) -> None:
        self.sb.scenario.update({"step": label, "index": index, **extra})
        self.sb.changed()

    async def say(self, who: str, text: str, thread_ts: str | None = None) -> str:
        self.sb.scenario["actor"] = self.ids[who]
        body = {"user": self.ids[who], "channel": self.channel, "text": text}
        if thread_ts:
            body["thread_ts"] = thread_ts
        answer = await self.call("message", body)
        return str(answer.get("ts", ""))

    async def command(self, who: str, text: str, channel: str = "") -> None:
        self.sb.scenario["actor"] = self.ids[who]
        body = {"user": self.ids[who], "channel": channel or self.channel, "text": text}
        await self.call("message", body)

    async def lines(self, lines: list[Line]) -> None:
        for line in lines:
            ts = await self.say(line.who, line.text)
            await self.pause(1.6)
            for who, emoji in line.reactions:
                await self.call(
                    "react",
                    {"user": self.ids[who], "channel": self.channel, "ts": ts, "name": emoji},
                )
                await self.pause(0.8)
            for who, text in line.replies:
                await self.say(who, text, thread_ts=ts)
                await self.pause(1.6)

    async def messages(self) -> list[dict[str, Any]]:
        state = await self.state(self.ids["alice"], self.channel)
        return list((state.get("channel") or {}).get("messages") or [])

    # ----- the script ------------------------------------------------------------
    async def play(self) -> None:
        state = await self.state(self.viewer)
        self.ids = {u["name"]: u["id"] for u in state["users"] if not u["is_bot"]}
        missing = {"alice", "bob", "carol"} - set(self.ids)
        if missing:
            raise RuntimeError(f"the workspace needs alice, bob and carol (missing {missing})")
        if self.viewer not in self.ids.values():
            self.viewer = self.ids["alice"]
        if not state["app_ready"]:
            await self.wait("start", self._app_ready, 30)
        home = next(c["id"] for c in state["channels"] if c["name"] == "incidents")
        before = {c["id"] for c in state["channels"]}

        self.step("Alice declares a SEV2 from #incidents", 1, focus=home)
        await self.command("alice", f"/incident declare sev2 {TITLE}", channel=home)
        self.channel = await self.wait("open the incident channel", lambda: self._new(before))
        await self.wait("pin the incident card", self._pinned)
        self.step(
            "Three people work the incident; key messages get 📌 and a 💡", 2, focus=self.channel
        )
        await self.pause(1.5)
        await self.lines(OPENING)

        self.step("Roles: Bob takes comms, Carol takes operations", 3)
        await self.command("alice", "/incident role comms @bob")
        await self.pause(1.2)
        await self.command("alice", "/incident role ops @carol")
        await self.pause(1.2)

        self.step(f"Bob posts an update and promises the next in {self.next_update}s", 4)
        await self.command(
            "bob",
            "/incident update Rolling back checkout-api v4.12 | impact: about 9% of checkouts "
            f"fail, mostly in the EU | doing: rollback to v4.11 | next: {self.next_update}s",
        )
        await self.pause(1.2)

        self.step("Work goes on until the promised update comes due", 5)
        await self.lines(MIDDLE)
        try:
            await self.wait("post the reminder", self._reminded, self.next_update + 20)
        except TimeoutError:  # the scheduler is slow to lead; the sweep catches up at once
            await self.call(f"jobs/{'cadence.sweep'}", {})
            await self.wait("post the reminder", self._reminded, 20)
        self.step("Sitrep reminded the comms lead; the rollback finishes", 5)
        await self.lines(CLOSING)

        self.step("Alice resolves the incident", 6)
        await self.command(
            "alice",
            "/incident resolve Rolled back checkout-api to v4.11: the new payments SDK "
            "exhausted the connection pool",
        )
        await self.wait("resolve", self._resolved)
        await self.pause(1.5)

        self.step("The postmortem draft becomes the channel's canvas", 7)
        await self.command("alice", "/incident postmortem")
        await self.wait("draft the postmortem canvas", self._canvas, 60)
        await self.pause(1.5)

        viewer_name = next(n for n, i in self.ids.items() if i == self.viewer)
        self.step(f"An action item for {viewer_name.capitalize()}", 8)
        await self.command(
            "alice",
            f"/incident action add Cap payment SDK connections per pod @{viewer_name} due in 3d",
        )
        await self.pause(1.5)

        self.step("The weekly digest job runs: the owner's action items by DM", 9)
        # The item is stored by work that runs after the acknowledgement, so the job
        # runs again until the digest carries it (a digest goes out once a week).
        async def digest_sent() -> str | None:
            await self.call("jobs/action-item-digest", {})
            return await self._dm()

        dm = await self.wait("send the digest DM", digest_sent)
        self.step("Done: that was the tour. Try it yourself: type /incident help", 10, focus=dm)

    async def _app_ready(self) -> bool:
        return bool((await self.state(self.viewer)).get("app_ready"))

    async def _new(self, before: set[str]) -> str | None:
        state = await self.state(self.ids["alice"])
        fresh = [
            c
            for c in state["channels"]
            if c["id"] not in before and not c["is_im"] and c["name"].startswith("inc-")
        ]
        return fresh[-1]["id"] if fresh else None

    async def _pinned(self) -> bool:
        state = await self.state(self.ids["alice"])
        return any(c["id"] == self.channel and c["pins"] for c in state["channels"])

    async def _reminded(self) -> bool:
        return any(
            (m.get("metadata") or {}).get("event_type") == "sitrep_reminder"
            for m in await self.messages()
        )

    async def _resolved(self) -> bool:
        return any(
            "resolved" in (m.get("text") or "").lower()
            for m in await self.messages()
            if m.get("bot_id")
        )

    async def _canvas(self) -> bool:
        state = await self.state(self.ids["alice"], self.channel)
        return bool((state.get("channel") or {}).get("canvas"))

    async def _dm(self) -> str | None:
        """The viewer's DM with the app, once the weekly digest is in it."""
        state = await self.state(self.viewer)
        dm = next((c for c in state["channels"] if c["is_im"]), None)
        if dm is None:
            return None
        detail = (await self.state(self.viewer, dm["id"])).get("channel") or {}
        for message in detail.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == "sitrep_action_items"
                and (metadata.get("event_payload") or {}).get("kind") == "digest"
            ):
                return str(dm["id"])
        return None


def start_scenario(sandbox: Sandbox, spec: dict[str, Any]) -> bool:
    """Start playing unless a scenario already is; ``speed`` 0 plays without pauses."""
    if sandbox.scenario.get("running"):
        return False
    viewer = str(spec.get("user") or "")
    speed = float(spec.get("speed", 1.0))
    next_update = int(spec.get("next_update", 20))
    player = Player(sandbox, viewer, speed, max(next_update, 1))
    sandbox.scenario = {
        "running": True,
        "step": "Starting",
        "index": 0,
        "total": 10,
        "error": "",
        "focus": "",
    }
    sandbox.changed()

    async def run() -> None:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=130)) as s:
                player.session = s
                await player.play()
        except Exception as exc:
            log.exception("the scenario stopped")
            sandbox.scenario["error"] = str(exc) or type(exc).__name__
        finally:
            sandbox.scenario["running"] = False
            sandbox.changed()

    sandbox.spawn(run())
    return True
