"""``sitrep sandbox`` as a newcomer starts it: a child process, a page on a port, no Slack."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.process import REPO, child_env, free_port, sitrep_argv
from tests.support.waiting import wait_for


class Sandbox:
    """A running ``sitrep sandbox`` and the way to its page and API."""

    def __init__(self, folder: Path, argv: list[str] | None = None) -> None:
        """``argv`` replaces ``sitrep sandbox`` (e.g. scripts/run.sh); port and folder come by env.

        It runs in its own process group, as a command typed in a shell does, so a
        test can send Ctrl-C to the whole group.
        """
        self.port = free_port()
        self.folder = folder
        self.log_path = folder / "sandbox.out"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = {"SITREP_SANDBOX_PORT": str(self.port), "SITREP_SANDBOX_DIR": str(folder / "state")}
        self.proc = subprocess.Popen(
            argv or sitrep_argv("sandbox"),
            env=child_env(env),
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        text = self.log_path.read_text(errors="replace")
        for name in ("emulator.log", "sitrep.log"):
            path = self.folder / "state" / name
            if path.exists():
                text += f"\n--- {name} ---\n" + path.read_text(errors="replace")[-6000:]
        return text

    def health(self) -> dict:
        try:
            return requests.get(f"{self.url}/sandbox/api/health", timeout=2).json()
        except requests.RequestException:
            return {}

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"sitrep sandbox exited early:\n{self.output()}")
            return bool(self.health().get("app_ready"))

        try:
            wait_for(ready, timeout=timeout, interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.output()}") from None

    def state(self, user: str = "U0LOCAL01", channel: str = "") -> dict:
        params = {"user": user, "channel": channel}
        return requests.get(f"{self.url}/sandbox/api/state", params=params, timeout=5).json()

    def post(self, path: str, body: dict) -> dict:
        answer = requests.post(f"{self.url}/sandbox/api/{path}", json=body, timeout=30)
        return answer.json()

    def channel_named(self, name: str, user: str = "U0LOCAL01") -> dict | None:
        return next((c for c in self.state(user)["channels"] if c["name"] == name), None)

    def stop(self, sig: int = signal.SIGTERM, group: bool = False) -> int:
        """Send ``sig`` to the command (or, like Ctrl-C in a terminal, to its whole group)."""
        if self.proc.poll() is None:
            if group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = Sandbox(tmp_path)
    running.wait_ready()
    yield running
    running.stop()
