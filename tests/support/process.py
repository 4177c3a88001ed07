"""``sitrep`` as a real child process: one-off commands, and ``serve`` for restarts,
kill -9 and multi-process tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def child_env(environ: Mapping[str, str]) -> dict[str, str]:
    """This environment minus its Slack and Sitrep settings, plus ``environ``.

    A child then sees only the settings the test gives it, whatever the shell had.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SITREP_"))}
    env.update(environ)
    return env


def sitrep_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def run_sitrep(
    *args: str, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``sitrep <args>`` run to the end, its output captured as text."""
    return subprocess.run(
        sitrep_argv(*args),
        env=child_env(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServeProcess:
    """``sitrep serve`` on a free loopback port.

    ``command`` is how to start ``sitrep`` (this checkout's by default) and
    ``cwd`` where, so an installed copy can be run from outside the checkout.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *args: str,
        log_path: Path,
        command: Sequence[str] = (),
        cwd: Path = REPO,
    ) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        serve = ["serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        argv = [*command, *serve] if command else sitrep_argv(*serve)
        self.proc = subprocess.Popen(
            argv, env=child_env(environ), cwd=cwd, stdout=self._log, stderr=self._log
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"sitrep serve exited early:\n{self.output()}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"sitrep serve did not become healthy:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9: no clean-up runs, as when a machine dies."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class LeaseContender:
    """``tests.support.lease_contender`` in its own process, one command per line."""

    def __init__(self, database_url: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.lease_contender", database_url],
            env=child_env({}),
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == "ready"

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def read(self) -> str:
        assert self.proc.stdout is not None
        answer = self.proc.stdout.readline().strip()
        if not answer:
            raise AssertionError(f"lease contender exited ({self.proc.poll()})")
        return answer

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
