"""The sandbox page and its JSON endpoints under ``/sandbox/api/``.

Each endpoint is one thing a person does in Slack's client: post, run a slash
command, react, click, submit or close a modal, open the App Home. The page
(``emulator/web``) and the scripted scenario both use only these.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator import payloads
from emulator.errors import SlackError
from emulator.interactions import apply_view_ack
from emulator.sandbox import interactions, people
from emulator.sandbox.hub import Sandbox
from emulator.sandbox.page_state import page_state

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
KEEP_ALIVE = 15.0
COALESCE = 0.05  # a burst of changes becomes one server-sent event


def _ok(**body: Any) -> web.Response:
    return web.json_response({"ok": True, **body})


def _fail(error: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


async def _spec(request: web.Request) -> dict[str, Any]:
    try:
        spec = await request.json()
    except ValueError:
        raise SlackError("invalid_json") from None
    if not isinstance(spec, dict):
        raise SlackError("json_not_object")
    return spec


def _failure_text(command: str, status: int, problem: str) -> str:
    """What Slack says when an app fails a command, plus what the sandbox knows of why."""
    code = "dispatch_failed" if status == 0 else f"http_error ({status})"
    why = f" The app could not be reached ({problem})." if problem else ""
    return f'`{command}` failed with the error "{code}".{why}'


class Routes:
    """Handlers bound to one ``Sandbox``."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox
        self.ws = sandbox.ws

    # ----- the page ---------------------------------------------------------
    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-store"})

    async def health(self, request: web.Request) -> web.StreamResponse:
        return _ok(app_ready=self.sb.app_ready, version=self.sb.version)

    async def state(self, request: web.Request) -> web.StreamResponse:
        me = request.query.get("user", "")
        extra = {
            "version": self.sb.version,
            "app_ready": self.sb.app_ready,
            "scenario": self.sb.scenario,
            "commands": list(self.sb.commands),
            "shortcuts": self.sb.shortcuts,
        }
        text = page_state(self.ws, self.sb.ephemerals, me, request.query.get("channel", ""), extra)
        return web.Response(text=text, content_type="application/json")

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the version, each time it moves (and a comment to keep alive)."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        seen = -1
        try:
            while not self.sb.closing:
                if self.sb.version != seen:
                    seen = self.sb.version
                    data = json.dumps({"version": seen, "app_ready": self.sb.app_ready})
                    await response.write(f"data: {data}\n\n".encode())
                    await asyncio.sleep(COALESCE)
                    if self.sb.version != seen:
                        continue
                before = self.sb.version
                await self.sb.wait_change(KEEP_ALIVE)
                if self.sb.version == before:
                    await response.write(b": keep-alive\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def file(self, request: web.Request) -> web.StreamResponse:
        with self.ws.lock:
            stored = self.ws.files.get(request.match_info["file_id"])
            if stored is None or not stored.completed:
                return _fail("file_not_found", 404)
            content, name = stored.content or b"", stored.name
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        disposition = "inline" if request.query.get("view") else "attachment"
        return web.Response(
            body=content,
            content_type=kind,
            headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
        )

    # ----- what a person does -------------------------------------------------
    async def message(self, request: web.Request) -> web.StreamResponse:
        spec = await _spec(request)
        user, channel = str(spec.get("user", "")), str(spec.get("channel", ""))
        text = str(spec.get("text", "")).strip()
        if not text:
            return _fail("no_text")
        if text.startswith("/"):
            return await self._command(user, channel, text)
        with self.ws.lock:
            message, events = people.post(self.ws, user, channel, text, spec.get("thread_ts"))
        self.sb.send_events(events)
        self.sb.changed()
        return _ok(ts=message["ts"])

    async def _command(self, user: str, channel: str, text: str) -> web.StreamResponse:
        command, _, rest = text.partition(" ")
        with self.ws.lock:
            people.person(self.ws, user)
            if command not in self.sb.commands:
                self.sb.note(
                    user,
                    channel,
                    f"`{command}` is not a valid command. In Slack, all messages that start "
                    'with the "/" character are interpreted as commands.',
                )
                return _ok(status=None)
            form = payloads.slash_command(
                self.ws,
                self.sb.base_url,
                command,
                people.escape(self.ws, rest.strip()),
                user,
                channel,
            )
        answer = await self.sb.link.command(form)
        if answer.status != 200:
            self.sb.note(user, channel, _failure_text(command, answer.status, answer.problem))
            return _ok(status=answer.status)
        body = answer.json() or ({"text": answer.text()} if answer.text().strip() else {})
        if body.get("text") or body.get("blocks"):
            with self.ws.lock:
                self.sb.ephemerals.add(self.ws, user, channel, body)
        self.sb.changed()
        return _ok(status=answer.status)

    async def react(self, request: web.Request) -> web.StreamResponse:
        spec = await _spec(request)
        with self.ws.lock:
            events = people.toggle_reaction(
                self.ws,
                str(spec.get("user", "")),
                str(spec.get("channel", "")),
                str(spec.get("ts", "")),
                str(spec.get("name", "")),
            )
        self.sb.send_events(events)
        self.sb.changed()
        return _ok()

    async def action(self, request: web.Request) -> web.StreamResponse:
        """A click or a choice on an interactive element, anywhere it can be."""
        spec = await _spec(request)
        user = str(spec.get("user", ""))
        container = spec.get("container") or {}
        element = spec.get("element") or {}
        with self.ws.lock:
            people.person(self.ws, user)
            action = interactions.action_of(
                element, str(spec.get("block_id", "")), spec.get("choice") or {}
            )
            payload, response_url = interactions.block_actions(
                self.ws, self.sb.base_url, user, container, action, spec.get("state")
            )
            if container.get("type") == "ephemeral" and response_url:
                rid = response_url.rsplit("/", 1)[-1]
                self.sb.ephemerals.clicked(rid, str(container.get("ephemeral_id", "")))
        answer = await self.sb.link.interactive(payload)
        if answer.status != 200 and container.get("channel_id"):
            label = element.get("action_id", "button")
            self.sb.note(user, container["channel_id"], _failure_text(label, answer.status, ""))
        self.sb.changed()
        return _ok(status=answer.status)

    async def shortcut(self, request: web.Request) -> web.StreamResponse:
        spec = await _spec(request)
        user, channel = str(spec.get("user", "")), str(spec.get("channel", ""))
        with self.ws.lock:
            people.person(self.ws, user)
            payload = interactions.message_shortcut(
                self.ws,
                self.sb.base_url,
                user,
                channel,
                str(spec.get("ts", "")),
                str(spec.get("callback_id", "")),
            )
        answer = await self.sb.link.interactive(payload)
        if answer.status != 200:
            self.sb.note(user, channel, _failure_text("shortcut", answer.status, answer.problem))
        self.sb.changed()
        return _ok(status=answer.status)

    async def submit(self, request: web.Request) -> web.StreamResponse:
        """Submit the top modal; the app's ack may show errors, update, push or clear."""
        spec = await _spec(request)
        user, view_id = str(spec.get("user", "")), str(spec.get("view_id", ""))
        with self.ws.lock:
            people.person(self.ws, user)
            if view_id not in self.ws.view_stacks.get(user, []):
                return _fail("not_found", 404)
            payload = payloads.view_submission(self.ws, view_id, user, spec.get("values") or {})
        answer = await self.sb.link.interactive(payload)
        if answer.status != 200:
            return _fail("We had some trouble connecting. Try again?", 502)
        ack = answer.json()
        with self.ws.lock:
            apply_view_ack(self.ws, payload, ack)
        self.sb.changed()
        errors = ack.get("errors") if ack.get("response_action") == "errors" else None
        return _ok(errors=errors)

    async def close(self, request: web.Request) -> web.StreamResponse:
        """Cancel goes back one modal; ``all`` (the ×) closes the whole stack."""
        spec = await _spec(request)
        user, view_id = str(spec.get("user", "")), str(spec.get("view_id", ""))
        with self.ws.lock:
            stack = self.ws.view_stacks.get(user, [])
            if view_id not in stack:
                return _fail("not_found", 404)
            closing = list(stack) if spec.get("all") else [view_id]
            notify = [
                interactions.view_closed(self.ws, user, v, bool(spec.get("all")))
                for v in closing
                if self.ws.views.get(v, {}).get("notify_on_close")
            ]
            for v in closing:
                stack.remove(v)
        for payload in notify:
            await self.sb.link.interactive(payload)
        self.sb.changed()
        return _ok()

    async def home(self, request: web.Request) -> web.StreamResponse:
        spec = await _spec(request)
        with self.ws.lock:
            events = people.app_home_opened(
                self.ws, str(spec.get("user", "")), str(spec.get("tab", "home"))
            )
        self.sb.send_events(events)
        self.sb.changed()
        return _ok(channel=events[0]["channel"])

    async def dismiss(self, request: web.Request) -> web.StreamResponse:
        spec = await _spec(request)
        with self.ws.lock:
            self.sb.ephemerals.dismiss(str(spec.get("user", "")), str(spec.get("id", "")))
        self.sb.changed()
        return _ok()

    async def job(self, request: web.Request) -> web.StreamResponse:
        status, body = await self.sb.run_job(request.match_info["name"])
        self.sb.changed()
        return web.json_response(body, status=status)

    async def scenario(self, request: web.Request) -> web.StreamResponse:
        from emulator.sandbox.scenario import start_scenario

        spec = await _spec(request) if request.body_exists else {}
        started = start_scenario(self.sb, spec)
        return _ok(started=started) if started else _fail("a scenario is already playing", 409)


@web.middleware
async def _slack_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """A refused action answers like the Web API does: ok false and Slack's code."""
    if not request.path.startswith("/sandbox/"):
        return await handler(request)
    try:
        return await handler(request)
    except SlackError as exc:
        return _fail(exc.code)
    except KeyError as exc:
        return _fail(f"not_found: {exc}", 404)


def add_routes(app: web.Application, sandbox: Sandbox) -> None:
    """Mount the page, its files and its API on the emulator's aiohttp app."""
    routes = Routes(sandbox)
    app.middlewares.append(_slack_errors)
    app.on_startup.append(sandbox.on_startup)
    app.on_shutdown.append(sandbox.on_shutdown)
    app.on_cleanup.append(sandbox.on_cleanup)
    app.router.add_get("/", routes.index)
    app.router.add_static("/static/", WEB_DIR, append_version=False)
    api = "/sandbox/api"
    app.router.add_get(f"{api}/health", routes.health)
    app.router.add_get(f"{api}/state", routes.state)
    app.router.add_get(f"{api}/stream", routes.stream)
    app.router.add_get(f"{api}/files/{{file_id}}", routes.file)
    app.router.add_post(f"{api}/message", routes.message)
    app.router.add_post(f"{api}/react", routes.react)
    app.router.add_post(f"{api}/action", routes.action)
    app.router.add_post(f"{api}/shortcut", routes.shortcut)
    app.router.add_post(f"{api}/submit", routes.submit)
    app.router.add_post(f"{api}/close", routes.close)
    app.router.add_post(f"{api}/home", routes.home)
    app.router.add_post(f"{api}/dismiss", routes.dismiss)
    app.router.add_post(f"{api}/jobs/{{name}}", routes.job)
    app.router.add_post(f"{api}/scenario", routes.scenario)
