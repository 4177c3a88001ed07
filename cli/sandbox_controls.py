"""The sandbox's control endpoint: run a scheduled job now, for the page's Scenario.

A weekly digest or a missed-reminder sweep would otherwise take minutes to
come round; ``sitrep jobs run`` does the same from a shell. Only the sandbox
mounts this, only on loopback, and only for a caller holding the token it
generated and handed to the emulator.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from scheduler import registry

log = logging.getLogger(__name__)

# Jobs that are safe and useful to run on demand; each takes no arguments.
JOBS = ("action-item-digest", "cadence.sweep")

StartResponse = Callable[..., Any]
Application = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def with_controls(
    inner: Application, token: str, started: threading.Event, prefix: str
) -> Application:
    """``inner`` with ``POST /sandbox/jobs/<name>`` in front of it.

    ``/healthz`` answers 503 until ``started`` is set: the page says Sitrep is
    starting until its scheduler and start-up tasks run, not just its HTTP server.
    """

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and not started.is_set():
            body = {"ok": False, "starting": True}
            return _answer(start_response, "503 Service Unavailable", body)
        if not path.startswith(prefix + "/"):
            return inner(environ, start_response)
        given = environ.get("HTTP_X_SANDBOX_TOKEN", "")
        if environ.get("REQUEST_METHOD") != "POST" or not hmac.compare_digest(given, token):
            return _answer(start_response, "403 Forbidden", {"ok": False, "error": "forbidden"})
        name = path[len(prefix) + 1 :]
        if name not in JOBS:
            error = f"no job {name!r}; known: {', '.join(JOBS)}"
            return _answer(start_response, "404 Not Found", {"ok": False, "error": error})
        try:
            result = registry.run_task(name)
        except Exception as exc:  # the page shows why; the log has the trace
            log.exception("sandbox job %s failed", name)
            return _answer(
                start_response, "500 Internal Server Error", {"ok": False, "error": str(exc)}
            )
        return _answer(start_response, "200 OK", {"ok": True, "job": name, "result": str(result)})

    return application
