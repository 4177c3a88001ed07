"""Slash command acknowledgements while declares wait on a slow Slack, against the same server idle.

    python -m bench.acks [--commands 200] [--rate 20] [--declares 15] [--slow 30]

For HTTP (``sitrep serve``) and for Socket Mode (``sitrep serve --socket``),
each its own process on its own SQLite database, against the Slack emulator:

- idle: ``--commands`` ``/incident list`` commands at ``--rate`` per second,
  one at a time; the latency is from sending a command to holding its
  acknowledgement (the HTTP response, or the Socket Mode ack envelope);
- loaded: ``--declares`` declares first, with the emulator holding every
  ``conversations.create`` for ``--slow`` seconds, so all of the work pool's
  threads wait on Slack and the rest of the declares queue; then the same
  commands as idle, all inside that window.

It prints p50, p99 and the slowest acknowledgement of each run (a failed one
counts with the time it took to fail), how many acknowledgements told the
user their request was queued, and how many failed. Target: p99 under 100 ms
when loaded.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.capture import (
    REPO,
    SECRET,
    TEAM,
    TOKEN,
    Server,
    child_env,
    free_port,
    percentile,
    signed,
    wait_listening,
)
from emulator import SlackEmulator

APP_TOKEN = "xapp-bench"
QUEUED = "Yours is queued"


@dataclass
class Run:
    latencies_ms: list[float]
    queued: int
    failed: int

    def line(self, name: str) -> str:
        values = self.latencies_ms
        return (
            f"{name:<8} p50 {percentile(values, 50):6.1f} ms  p99 {percentile(values, 99):6.1f} ms"
            f"  max {max(values):6.1f} ms  queued {self.queued:3d}  failed {self.failed}"
        )


def environment(emulator: SlackEmulator, database_url: str) -> dict[str, str]:
    return child_env(
        {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": database_url,
        }
    )


def start(emulator: SlackEmulator, database_url: str, socket: bool) -> Server:
    argv = [sys.executable, "-m", "cli", "--log-level", "WARNING", "serve"]
    port = free_port()
    argv += ["--socket"] if socket else ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(argv, env=environment(emulator, database_url), cwd=REPO)
    if socket:
        if not emulator.socket_connected(timeout=60):
            process.terminate()
            raise RuntimeError("sitrep serve --socket did not connect")
    else:
        wait_listening(port, process)
    return Server("socket" if socket else "http", port, process)


Send = Callable[[str], str]  # command text -> the acknowledgement's text


def http_sender(emulator: SlackEmulator, port: int) -> Send:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(text: str) -> str:
        form = emulator.slash_command_payload(
            "/incident", text, user_id="UALICE", channel_id=emulator.general_id  # type: ignore[attr-defined]
        )
        body = urlencode(form).encode()
        headers = signed(body, "application/x-www-form-urlencoded")
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read().decode()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {answer[:200]}")
        return answer

    return send


def socket_sender(emulator: SlackEmulator) -> Send:
    def send(text: str) -> str:
        payload = emulator.slash_command_payload(
            "/incident", text, user_id="UALICE", channel_id=emulator.general_id  # type: ignore[attr-defined]
        )
        # Slack gives up after 3 s; waiting a little longer tells late from never.
        return str(emulator.socket_send("slash_commands", payload, timeout=5).get("text", ""))

    return send


def commands(send: Send, count: int, rate: float, text: str = "list") -> Run:
    """``count`` commands at ``rate`` per second, one at a time; each one's ack latency."""
    latencies: list[float] = []
    queued = failed = 0
    started = time.perf_counter()
    for n in range(count):
        due = started + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        sent = time.perf_counter()
        try:
            answer = send(text)
        except (OSError, RuntimeError, TimeoutError):
            answer = ""
            failed += 1  # Slack shows the user an error; its wait still counts
        latencies.append((time.perf_counter() - sent) * 1000)
        queued += QUEUED in answer
    return Run(latencies, queued, failed)


def measure(emulator: SlackEmulator, socket: bool, args: argparse.Namespace) -> dict[str, Run]:
    workdir = Path(tempfile.mkdtemp(prefix="sitrep-bench-acks-"))
    server = start(emulator, f"sqlite:///{workdir / 'sitrep.db'}", socket)
    try:
        send = socket_sender(emulator) if socket else http_sender(emulator, server.port)
        commands(send, 20, args.rate)  # warm up: first-request work, caches, the JIT of the OS
        idle = commands(send, args.commands, args.rate)
        emulator.delay("conversations.create", args.slow, count=args.declares)
        declares = commands(send, args.declares, 1000.0, "declare sev2 Slow Slack")
        loaded = commands(send, args.commands, args.rate)
        return {"idle": idle, "declares": declares, "loaded": loaded}
    finally:
        server.stop()
        emulator.clear_faults()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200, help="commands per run")
    parser.add_argument("--rate", type=float, default=20, help="commands per second")
    parser.add_argument("--declares", type=int, default=15, help="declares waiting on Slack")
    parser.add_argument("--slow", type=float, default=30, help="seconds per conversations.create")
    args = parser.parse_args(argv)
    # Stopping the emulator cuts the calls it is still holding; that is expected here.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if args.commands / args.rate >= args.slow:
        parser.error("the loaded run must fit inside --slow: lower --commands or raise --rate")

    emulator = SlackEmulator(
        bot_token=TOKEN, app_token=APP_TOKEN, team_id=TEAM, bot_user_id="UBOT"
    ).start()
    emulator.add_user("UALICE", name="alice")
    emulator.general_id = emulator.add_channel("general", members=["UALICE"])  # type: ignore[attr-defined]
    emulator.add_channel("incidents", members=["UALICE"])
    print(
        f"{os.cpu_count()} CPUs; {args.commands} `/incident list` at {args.rate:.0f}/s per run; "
        f"{args.declares} declares held {args.slow:.0f} s each by conversations.create",
        flush=True,
    )
    worst = 0.0
    try:
        for socket in (False, True):
            runs = measure(emulator, socket, args)
            print("Socket Mode" if socket else "HTTP", flush=True)
            for name, run in runs.items():
                print("  " + run.line(name), flush=True)
            worst = max(worst, percentile(runs["loaded"].latencies_ms, 99))
    finally:
        emulator.stop()
    print(f"worst loaded p99: {worst:.1f} ms  (target < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
