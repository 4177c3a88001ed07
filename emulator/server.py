"""The HTTP side: an aiohttp app on loopback, run on its own thread and event loop.

Routes: ``/api/<method>`` (Web API), ``/upload/<file_id>`` (file bytes),
``/response/<id>`` (response_url), ``/socket-mode`` (WebSocket) and
``/_emulator/*`` (state dump and envelope pushing for local development).
The Web API dispatcher parses form, multipart and JSON bodies, authenticates,
applies armed faults, checks required arguments from ``contract.py`` and runs
the handler under the workspace lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import traceback
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from emulator import payloads
from emulator.args import Args
from emulator.contract import CONTRACT
from emulator.errors import SlackError
from emulator.events import EventDelivery
from emulator.faults import Fault, FaultPlan
from emulator.interactions import record_response
from emulator.methods import HANDLERS, Ctx
from emulator.snapshot import workspace_dump
from emulator.socket_mode import SocketHub, envelope
from emulator.state import Workspace


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    all_headers = {"X-Slack-Req-Id": uuid.uuid4().hex, **(headers or {})}
    return web.Response(
        text=json.dumps(body),
        status=status,
        headers=all_headers,
        content_type="application/json",
        charset="utf-8",
    )


async def _read_values(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """All arguments of a call and the token found in them (JSON bodies cannot carry it)."""
    values: dict[str, Any] = dict(request.query)
    body_token: str | None = values.pop("token", None)
    if request.method != "POST" or not request.body_exists:
        return values, body_token
    ctype = request.content_type
    if ctype == "application/json":
        try:
            data = json.loads(await request.read() or b"{}")
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(data, dict):
            raise SlackError("json_not_object")
        data.pop("token", None)  # Slack wants the token in the Authorization header for JSON
        values.update(data)
    elif ctype == "multipart/form-data":
        form = await request.post()
        for key, value in form.items():
            values[key] = value if isinstance(value, str) else value.file.read()
        body_token = str(values.pop("token", "")) or body_token
    elif ctype in ("application/x-www-form-urlencoded", "", "application/octet-stream"):
        try:
            text = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            raise SlackError("invalid_charset") from None
        values.update(parse_qsl(text, keep_blank_values=True))
        body_token = str(values.pop("token", "")) or body_token
    else:
        raise SlackError("invalid_post_type")
    return values, body_token


class EmulatorServer:
    """Owns the aiohttp app, its thread and loop, and the Web API dispatcher."""

    def __init__(
        self, ws: Workspace, hub: SocketHub, faults: FaultPlan, bot_token: str, app_token: str
    ) -> None:
        self.ws = ws
        self.hub = hub
        self.faults = faults
        self.bot_token = bot_token
        self.app_token = app_token
        self.base_url = ""
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        # Extensions (the sandbox): more routes, and a call after every change a
        # Web API method or a response_url made, run on the server loop under the lock.
        self.route_adders: list[Callable[[web.Application], None]] = []
        self.observers: list[Callable[[str, dict[str, Any], dict[str, Any]], None]] = []
        self.events = EventDelivery(ws, hub)

    # ----- lifecycle -------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind and serve on a background thread; returns once listening."""
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
                loop.run_until_complete(self._runner.setup())
                site = web.TCPSite(self._runner, host, port)
                loop.run_until_complete(site.start())
                server = site._server
                sockets = getattr(server, "sockets", None) or []
                self.port = sockets[0].getsockname()[1]
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self.loop = loop
        self.hub.loop = loop
        self._thread = threading.Thread(target=run, name="slack-emulator", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread.join(5)
            raise failure[0]
        self.base_url = f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Close sockets, stop the loop and join the thread."""
        if self.loop is None or self._thread is None:
            return
        if self.loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self.hub.disconnect_all("warning"), self.loop)
            with contextlib.suppress(Exception):  # a client that vanished mid-close is fine
                future.result(5)
            closing = asyncio.run_coroutine_threadsafe(self.events.close(), self.loop)
            with contextlib.suppress(Exception):
                closing.result(5)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop = None
        self.hub.loop = None
        self._thread = None

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_get("/socket-mode", self.hub.handle)
        app.router.add_get("/_emulator/state", self._state)
        app.router.add_post("/_emulator/socket/{envelope_type}", self._push)
        app.router.add_post("/_emulator/slash", self._slash)
        for add_routes in self.route_adders:
            add_routes(app)
        return app

    def _observe(self, name: str, values: dict[str, Any], result: dict[str, Any]) -> None:
        for observer in self.observers:
            try:
                observer(name, values, result)
            except Exception:
                self.ws.internal_errors.append(
                    f"observer of {name} crashed:\n{traceback.format_exc()}"
                )

    # ----- Web API ---------------------------------------------------------
    def _auth(self, request: web.Request, body_token: str | None, app_token_method: bool) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else body_token
        if not token:
            raise SlackError("not_authed")
        if app_token_method:
            if token != self.app_token:
                raise SlackError("invalid_auth")
        elif token == self.app_token:
            raise SlackError("not_allowed_token_type")
        elif token != self.bot_token:
            raise SlackError("invalid_auth")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        contract = CONTRACT.get(name)
        try:
            values, body_token = await _read_values(request)
        except SlackError as exc:
            self._record(name, {})
            return _json(exc.body())
        self._record(name, values)
        handler = HANDLERS.get(name)
        if contract is None or handler is None:
            return _json({"ok": False, "error": "unknown_method", "req_method": name})
        try:
            if contract.app_token and request.method != "POST":
                raise SlackError("insecure_request")
            self._auth(request, body_token, contract.app_token)
        except SlackError as exc:
            return _json(exc.body())
        delay, fault = self.faults.take(name)
        if delay:
            await asyncio.sleep(delay)
        if fault is not None and fault.kind == "drop":
            if fault.applied:
                self._dispatch(name, handler, values)
                self.events.flush()
            # The connection dies before any answer: the caller cannot tell
            # whether the call took effect, as when a network path fails.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        if fault is not None:
            return self._with_scopes(self._fault_response(fault), contract)
        answer = self._dispatch(name, handler, values)
        self.events.flush()  # sent after the answer, as Slack's events follow the call
        return self._with_scopes(answer, contract)

    def _with_scopes(self, response: web.Response, contract: Any) -> web.Response:
        """Slack names the token's scopes in ``x-oauth-scopes`` on every Web API answer."""
        if not contract.app_token:
            response.headers["x-oauth-scopes"] = ",".join(self._granted_scopes())
        return response

    def _granted_scopes(self) -> list[str]:
        with self.ws.lock:
            scopes = list(self.ws.bot_scopes)
            if self.ws.chat_write_public and "chat:write.public" not in scopes:
                scopes.append("chat:write.public")
        return scopes

    def _record(self, name: str, values: dict[str, Any]) -> None:
        shown = {
            k: (v if not isinstance(v, bytes) else f"<{len(v)} bytes>") for k, v in values.items()
        }
        with self.ws.lock:
            self.ws.calls.append((name, shown))

    @staticmethod
    def _fault_response(fault: Fault) -> web.Response:
        if fault.kind == "ratelimit":
            wait = str(fault.wait_seconds())
            return _json({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": wait})
        if fault.kind == "server_error":
            code = "service_unavailable" if fault.status == 503 else "internal_error"
            return _json({"ok": False, "error": code}, fault.status)
        return _json({"ok": False, "error": fault.error})

    def _dispatch(self, name: str, handler: Any, values: dict[str, Any]) -> web.Response:
        contract = CONTRACT[name]
        ctx = Ctx(ws=self.ws, base_url=self.base_url, new_socket_url=self._socket_url)
        with self.ws.lock:
            self.ws.outbox.clear()  # only what this call causes; a failed call causes nothing
            try:
                for arg in contract.required:
                    if values.get(arg) is None:
                        raise SlackError(
                            contract.missing_code(arg), f"[ERROR] missing required field: {arg}"
                        )
                result = handler(ctx, Args(values))
                self._observe(name, values, result)
                return _json({"ok": True, **result})
            except SlackError as exc:
                self.ws.outbox.clear()
                if not contract.allows(exc.code):
                    self.ws.internal_errors.append(
                        f"{name} answered undocumented error {exc.code!r}"
                    )
                return _json(exc.body())
            except Exception:
                self.ws.outbox.clear()
                self.ws.internal_errors.append(f"{name} crashed:\n{traceback.format_exc()}")
                return _json({"ok": False, "error": "internal_error"}, 500)

    def _socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket-mode?ticket={self.hub.new_ticket()}"

    # ----- other endpoints -------------------------------------------------
    async def _upload(self, request: web.Request) -> web.StreamResponse:
        """Step 2 of files_upload_v2: raw bytes (or a multipart ``file`` part)."""
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            part = await reader.next()
            data = await part.read() if part is not None and hasattr(part, "read") else b""
        else:
            data = await request.read()
        with self.ws.lock:
            stored = self.ws.files.get(request.match_info["file_id"])
            if stored is None or stored.completed:
                return web.Response(status=404, text="file not found")
            stored.content = bytes(data)
            stored.uploaded = True
        return web.Response(text=f"OK - {len(data)}")

    async def _response(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
            body = json.loads(form.get("payload", "{}"))
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        with self.ws.lock:
            status, answer = record_response(self.ws, request.match_info["rid"], body)
            if status == 200:
                self._observe("response_url", {"rid": request.match_info["rid"], **body}, answer)
        return _json(answer, status)

    async def _state(self, request: web.Request) -> web.StreamResponse:
        with self.ws.lock:
            return _json(workspace_dump(self.ws))

    async def _push(self, request: web.Request) -> web.StreamResponse:
        payload = await request.json()
        env = envelope(request.match_info["envelope_type"], payload)
        try:
            ack = await self.hub.push_async(env, 10)
        except TimeoutError as exc:
            return _json({"ok": False, "error": str(exc)}, 504)
        return _json({"ok": True, "ack": ack})

    def _default_channel(self) -> str:
        channel = self.ws.channel_named("incidents")
        return channel.id if channel else ""

    async def _slash(self, request: web.Request) -> web.StreamResponse:
        """Local development: push a slash command built from ``{"command", "text", ...}``."""
        spec = await request.json()
        with self.ws.lock:
            payload = payloads.slash_command(
                self.ws,
                self.base_url,
                spec.get("command", "/incident"),
                spec.get("text", ""),
                spec.get("user_id", "U0LOCAL01"),
                spec.get("channel_id") or self._default_channel(),
            )
        try:
            ack = await self.hub.push_async(envelope("slash_commands", payload), 10)
        except TimeoutError as exc:
            return _json({"ok": False, "error": str(exc)}, 504)
        return _json({"ok": True, "ack": ack})
