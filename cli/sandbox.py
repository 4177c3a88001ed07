"""``sitrep sandbox``: Sitrep and a local Slack in one command, played from a browser page.

It starts the Slack emulator as a child process (the page lives there, at
``http://127.0.0.1:PORT/``) and serves Sitrep in this process, wired to it with
freshly generated tokens and secrets and a SQLite file under ``.sitrep-sandbox/``.
The emulator signs what it sends with the signing secret, exactly as Slack does,
so Sitrep runs its real HTTP path. The command line may not import the emulator
(it is a test tool, see the import contracts), hence the child process.

Each start is a fresh workspace: the emulator keeps its state in memory, so the
database is emptied too, or Sitrep would look for channels that no longer exist.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path
from types import FrameType
from typing import IO, Any

import yaml

# Sitrep itself (bot, storage, scheduler) is imported in run(), after the
# emulator has been started, so the page answers while Sitrep loads.

log = logging.getLogger(__name__)

DEFAULT_DIR = ".sitrep-sandbox"
CONTROL_PATH = "/sandbox/jobs"  # served by cli/sandbox_controls.py
# Short enough to watch: the scheduler takes the lead within a second, and the
# weekly digest is due at once so the Scenario can show it.
CONFIG = """\
# Written by `sitrep sandbox` on every start.
scheduler:
  poll_interval: 1s
  lease_ttl: 5s
action_items:
  digest_day: monday
  digest_time: "00:00"
"""
START_TIMEOUT = 20.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sandbox", help="try Sitrep in a browser against a local Slack emulator (no Slack app)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SITREP_SANDBOX_PORT") or 3000),
        help="the page's port (default 3000, or SITREP_SANDBOX_PORT)",
    )
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.add_argument(
        "--dir",
        default=os.environ.get("SITREP_SANDBOX_DIR") or DEFAULT_DIR,
        help=f"where the database and logs go (default {DEFAULT_DIR}, or SITREP_SANDBOX_DIR)",
    )
    parser.set_defaults(run=run)


class Stop(Exception):
    """SIGTERM arrived: shut down like Ctrl-C."""


class _StartFailed(RuntimeError):
    """A part did not come up; the message says which and why."""


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("*\n")
    lock = _lock(folder)
    if lock is None:
        print(f"sitrep: another sandbox is using {folder}; stop it or pass --dir", file=sys.stderr)
        return 1
    _log_to(folder / "sitrep.log")
    signal.signal(signal.SIGTERM, _raise_stop)

    listener = socket.create_server(("127.0.0.1", 0))  # Sitrep's port, known before it serves
    page = f"http://127.0.0.1:{args.port}"
    control_token = secrets.token_hex(16)
    env = _environment(page, folder)
    emulator = _start_emulator(args.port, listener.getsockname()[1], env, control_token, folder)
    sitrep: _Sitrep | None = None
    try:
        sitrep = _Sitrep(env, listener, control_token)  # imports Sitrep while the emulator starts
        _wait_for_page(page, emulator, folder)
        sitrep.start(folder)
        print(f"Sitrep sandbox: {page}/", flush=True)
        print(
            f"  Slack emulator and Sitrep are running; logs in {folder}. Ctrl-C stops both.",
            flush=True,
        )
        if args.open:
            webbrowser.open(f"{page}/")
        while emulator.poll() is None:
            time.sleep(0.5)
        print(f"sitrep: the emulator stopped; see {folder / 'emulator.log'}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stop):
        return 0
    except _StartFailed as exc:
        print(f"sitrep: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if sitrep is not None:
            sitrep.stop()
        listener.close()
        _stop(emulator)
        lock.close()


def _environment(page: str, folder: Path) -> dict[str, str]:
    """Sitrep's settings: fresh tokens and secret, the emulator's API, SQLite in ``folder``."""
    (folder / "sitrep.yaml").write_text(CONFIG)
    env = {
        "SLACK_BOT_TOKEN": f"xoxb-sandbox-{secrets.token_hex(8)}",
        "SLACK_APP_TOKEN": f"xapp-sandbox-{secrets.token_hex(8)}",
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "SLACK_API_URL": f"{page}/api/",
        "DATABASE_URL": f"sqlite:///{folder / 'sitrep.db'}",
        "SITREP_CONFIG": str(folder / "sitrep.yaml"),
    }
    if os.environ.get("SITREP_TEMPLATES_DIR"):
        env["SITREP_TEMPLATES_DIR"] = os.environ["SITREP_TEMPLATES_DIR"]
    return env


def _lock(folder: Path) -> IO[bytes] | None:
    """Hold the folder, so a second sandbox cannot empty the database under the first."""
    handle = (folder / ".lock").open("wb")
    try:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:
        pass  # no advisory locks on this system: the port check still catches most
    except OSError:
        handle.close()
        return None
    return handle


class _Sitrep:
    """Sitrep in this process, in HTTP mode on the pre-bound loopback socket."""

    def __init__(self, env: dict[str, str], listener: socket.socket, control_token: str) -> None:
        from waitress.server import create_server

        from bot.app import create_app
        from bot.server import wsgi_app
        from bot.services import Services
        from bot.slack_client import make_client
        from cli.sandbox_controls import with_controls
        from config import load_settings

        self.settings = load_settings(env)
        self.services = Services.build(self.settings)
        self.client = make_client(self.settings.env)
        surface = create_app(self.services, self.client)
        self.started = threading.Event()
        application = wsgi_app(surface.app, self.services)
        self.server = create_server(
            with_controls(application, control_token, self.started, CONTROL_PATH),
            sockets=[listener],
            threads=8,
            ident="sitrep",
            clear_untrusted_proxy_headers=True,
        )
        self.scheduler: Any = None

    def start(self, folder: Path) -> None:
        """A fresh database (the emulator starts empty too), then serve and schedule."""
        from cli.runtime import run_startup_tasks, start_scheduler
        from storage import migrate

        self.services.db.dispose()
        for stale in folder.glob("sitrep.db*"):
            stale.unlink()
        migrate.upgrade(self.services.db)
        threading.Thread(target=self.server.run, name="sitrep-http", daemon=True).start()
        run_startup_tasks(self.services, self.client)
        self.scheduler = start_scheduler(self.services)
        self.started.set()

    def stop(self) -> None:
        self.server.close()
        if self.scheduler is not None:
            self.scheduler.stop()
        self.services.db.dispose()


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise Stop()


def _log_to(path: Path) -> None:
    """Sitrep's log goes to a file; the terminal keeps warnings and the page's address."""
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in root.handlers:
        existing.setLevel(max(existing.level, logging.WARNING))
    root.addHandler(handler)


def _shortcuts() -> list[str]:
    """The message shortcuts of Sitrep's manifest, as the emulator's ``--shortcut`` options."""
    from bot.manifest import load_manifest  # package data; a light import

    try:
        manifest = load_manifest() or {}
    except (OSError, yaml.YAMLError):
        return []  # the page then offers no shortcuts; everything else works
    found = (manifest.get("features") or {}).get("shortcuts") or []
    return [
        f"--shortcut={s['callback_id']}={s['name']}"
        for s in found
        if s.get("type") == "message" and s.get("callback_id") and s.get("name")
    ]


def _start_emulator(
    port: int, app_port: int, env: dict[str, str], control_token: str, folder: Path
) -> subprocess.Popen[bytes]:
    """The emulator in a child process of this process group (Ctrl-C reaches both)."""
    child_env = {
        **os.environ,
        "EMULATOR_BOT_TOKEN": env["SLACK_BOT_TOKEN"],
        "EMULATOR_APP_TOKEN": env["SLACK_APP_TOKEN"],
        "EMULATOR_SIGNING_SECRET": env["SLACK_SIGNING_SECRET"],
        "EMULATOR_CONTROL_TOKEN": control_token,
    }
    argv = [
        sys.executable,
        "-m",
        "emulator",
        "--port",
        str(port),
        "--app-url",
        f"http://127.0.0.1:{app_port}/slack/events",
        "--control-url",
        f"http://127.0.0.1:{app_port}{CONTROL_PATH}",
        "--parent-pid",
        str(os.getpid()),
        *_shortcuts(),
    ]
    log_file = (folder / "emulator.log").open("wb")
    try:
        return subprocess.Popen(argv, env=child_env, stdout=log_file, stderr=subprocess.STDOUT)
    finally:
        log_file.close()  # the child has its own copy


def _wait_for_page(page: str, emulator: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if emulator.poll() is not None:
            tail = (folder / "emulator.log").read_text(errors="replace")[-2000:]
            hint = (
                ""
                if "address already in use" not in tail.lower()
                else (" (the port is taken: try --port with another number)")
            )
            raise _StartFailed(f"the Slack emulator did not start{hint}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{page}/sandbox/api/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise _StartFailed(f"the Slack emulator did not answer at {page} within {START_TIMEOUT:.0f}s")


def _stop(emulator: subprocess.Popen[bytes]) -> None:
    if emulator.poll() is None:
        emulator.send_signal(signal.SIGTERM)
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait(timeout=5)
