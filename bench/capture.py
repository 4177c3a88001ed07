"""Event capture throughput: ``sitrep serve`` on SQLite against a Bolt app that only acks.

    python -m bench.capture [--events 3000] [--rate 500] [--seconds 10]

Both servers run as their own processes on waitress with the same thread
count, against the same Slack emulator, in the same run. For each it sends
signed ``message`` events into an incident channel and measures

- throughput: ``--events`` events from ``--clients`` keep-alive connections
  as fast as they are acknowledged (events/s, p50, p99 ack latency);
- steady load: ``--rate`` events/s for ``--seconds`` (p50, p99 ack latency,
  measured from each event's scheduled send time, so falling behind counts);

and, for Sitrep, how long after the last ack every event was in the timeline.

Then the cost of ``/metrics``: the same throughput run against Sitrep with
metrics on and against a second Sitrep with ``SITREP_METRICS=off`` (same
database), alternating ``--rounds`` times; the ratio of the medians must stay
at or above 0.95.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from emulator import SlackEmulator
from tests.support.signing import signature

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "T0BENCH"
THREADS = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed(body: bytes, content_type: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(SECRET, ts, body),
    }


def message_event(channel: str, n: int, base: float) -> bytes:
    ts = f"{int(base) + n // 1000}.{(n % 1000) * 1000 + 1:06d}"
    event = {
        "type": "message",
        "channel": channel,
        "user": "UBOB",
        "text": f"event {n}: checking the connection pool on db-{n % 7}",
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }
    envelope = {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0BENCH",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
    }
    return json.dumps(envelope).encode()


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SITREP_"))}
    env.update(extra)
    return env


def start_sitrep(api_url: str, database_url: str, metrics: bool = True) -> Server:
    port = free_port()
    env = child_env(
        {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "SITREP_METRICS": "on" if metrics else "off",
        }
    )
    argv = [sys.executable, "-m", "cli", "--log-level", "WARNING", "serve"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--threads", str(THREADS)]
    process = subprocess.Popen(argv, env=env, cwd=REPO)
    wait_listening(port, process)
    return Server("sitrep serve" if metrics else "metrics off", port, process)


def start_bare(api_url: str) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--api-url", api_url]
    argv += ["--token", TOKEN, "--signing-secret", SECRET, "--threads", str(THREADS)]
    process = subprocess.Popen(argv, env=child_env({}), cwd=REPO)
    wait_listening(port, process)
    return Server("bare Bolt app", port, process)


def post(connection: http.client.HTTPConnection, body: bytes, content_type: str) -> int:
    connection.request("POST", "/slack/events", body=body, headers=signed(body, content_type))
    response = connection.getresponse()
    response.read()
    return response.status


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Result:
    sent: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.sent / self.seconds

    def line(self) -> str:
        return (
            f"{self.rate:8.0f} events/s  p50 {percentile(self.latencies_ms, 50):6.1f} ms  "
            f"p99 {percentile(self.latencies_ms, 99):6.1f} ms  errors {self.errors}"
        )


def run_clients(port: int, bodies: list[bytes], clients: int) -> Result:
    """Closed loop: each client sends its next event as soon as the last one is acked."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    next_index = [0]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(bodies):
                break
            started = time.perf_counter()
            status = post(connection, bodies[index], "application/json")
            mine.append((time.perf_counter() - started) * 1000)
            if status != 200:
                with lock:
                    errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(len(bodies), time.perf_counter() - began, latencies, errors[0])


def run_rate(port: int, bodies: list[bytes], rate: float, clients: int) -> Result:
    """Open loop: event i is due at i/rate; latency counts from when it was due."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    next_index = [0]
    began = time.perf_counter() + 0.2

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(bodies):
                break
            due = began + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status = post(connection, bodies[index], "application/json")
            mine.append((time.perf_counter() - due) * 1000)
            if status != 200:
                with lock:
                    errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(len(bodies), time.perf_counter() - began, latencies, errors[0])


def declare_incident(api_port: int, emulator: SlackEmulator, database_url: str) -> str:
    """Open an incident through Sitrep itself and return its channel id."""
    form = {
        "team_id": TEAM,
        "channel_id": emulator.general_id,  # type: ignore[attr-defined]
        "user_id": "UALICE",
        "command": "/incident",
        "text": "declare sev2 Capture benchmark",
        "response_url": emulator.response_url(),
        "trigger_id": emulator.new_trigger_id(),
    }
    body = urlencode(form).encode()
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    assert post(connection, body, "application/x-www-form-urlencoded") == 200
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as db:
                channel = db.scalar(
                    text("SELECT channel_id FROM incidents WHERE setup_state = 'ready'")
                )
            if channel:
                return str(channel)
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise RuntimeError("the benchmark incident was not declared")


def stored_after(database_url: str, expected: int, since: float) -> float:
    """Seconds from ``since`` until ``expected`` events are in processed_events."""
    engine = create_engine(database_url)
    try:
        while True:
            with engine.connect() as db:
                count = db.scalar(text("SELECT count(*) FROM processed_events")) or 0
            if count >= expected:
                return time.perf_counter() - since
            if time.perf_counter() - since > 300:
                raise RuntimeError(f"only {count} of {expected} events stored")
            time.sleep(0.02)
    finally:
        engine.dispose()


def measure(
    server: Server,
    channel: str,
    args: argparse.Namespace,
    after_load: Callable[[int, float], float] | None,
) -> dict[str, Any]:
    base = time.time() - 86_400
    counter = [0]

    def bodies(n: int) -> list[bytes]:
        made = [message_event(channel, counter[0] + i, base) for i in range(n)]
        counter[0] += n
        return made

    run_clients(server.port, bodies(200), args.clients)  # warm-up
    if after_load:
        after_load(counter[0], time.perf_counter())
    burst = run_clients(server.port, bodies(args.events), args.clients)
    drained = after_load(counter[0], time.perf_counter()) if after_load else 0.0
    steady = run_rate(server.port, bodies(int(args.rate * args.seconds)), args.rate, args.clients)
    steady_drained = after_load(counter[0], time.perf_counter()) if after_load else 0.0
    print(f"{server.name:14s} throughput  {burst.line()}", flush=True)
    print(f"{server.name:14s} at {args.rate:.0f}/s    {steady.line()}", flush=True)
    if after_load:
        print(
            f"{server.name:14s} all stored {drained:.2f} s after the last throughput ack, "
            f"{steady_drained:.2f} s after the last steady-load ack",
            flush=True,
        )
    return {"burst": burst, "steady": steady}


def ratio_base(captured: dict[str, Any]) -> float:
    """Events per microsecond at Sitrep's measured throughput."""
    return captured["burst"].rate / 1_000_000


def stored_count(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            return db.scalar(text("SELECT count(*) FROM processed_events")) or 0
    finally:
        engine.dispose()


def compare_metrics(
    emulator: SlackEmulator, workdir: Path, args: argparse.Namespace, servers: list[Server]
) -> float:
    """Throughput with metrics on over the same with metrics off.

    Two fresh processes alike in all but ``SITREP_METRICS``, each with its own
    database (so each is the scheduler leader of its own), take turns, the
    order swapped every round so drift on a shared machine falls on both; the
    result is the median of the per-round ratios.
    """
    pair: dict[bool, tuple[Server, str, str]] = {}
    for metrics in (True, False):
        url = f"sqlite:///{workdir / ('metered.db' if metrics else 'unmetered.db')}"
        server = start_sitrep(emulator.api_url, url, metrics=metrics)
        servers.append(server)
        pair[metrics] = (server, declare_incident(server.port, emulator, url), url)
    base = time.time() - 3 * 86_400  # timestamps of their own, apart from measure()'s
    counter = [0]
    ratios: list[float] = []
    for round_no in range(args.rounds):
        rates: dict[bool, float] = {}
        for metrics in (False, True) if round_no % 2 == 0 else (True, False):
            server, channel, url = pair[metrics]
            before = stored_count(url)
            bodies = [message_event(channel, counter[0] + i, base) for i in range(args.events)]
            counter[0] += args.events
            result = run_clients(server.port, bodies, args.clients)
            stored_after(url, before + args.events, time.perf_counter())
            rates[metrics] = result.rate
            print(f"{server.name:14s} throughput  {result.line()}", flush=True)
        ratios.append(rates[True] / rates[False])
    print("per-round ratios (on / off): " + ", ".join(f"{r:.2f}" for r in ratios), flush=True)
    return sorted(ratios)[len(ratios) // 2]


def metrics_overhead_us(calls: int = 200_000) -> float:
    """Microseconds that counting adds to one acknowledged event, measured in this process:
    the dispatch wrapper (kind, histogram, counter) around a dispatch that does nothing."""
    from types import SimpleNamespace

    from bot import metrics

    answer = SimpleNamespace(status=200)
    request = SimpleNamespace(body={"type": "event_callback", "event": {"type": "message"}})
    bare = SimpleNamespace(dispatch=lambda _req: answer)
    metered = metrics.instrument_app(SimpleNamespace(dispatch=lambda _req: answer))  # type: ignore[arg-type]
    timings = []
    for app in (bare, metered):
        began = time.perf_counter()
        for _ in range(calls):
            app.dispatch(request)
        timings.append(time.perf_counter() - began)
    return (timings[1] - timings[0]) / calls * 1_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="events in the throughput run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--rate", type=float, default=500, help="events/s in the steady run")
    parser.add_argument("--seconds", type=float, default=10, help="length of the steady run")
    parser.add_argument("--rounds", type=int, default=6, help="metrics on/off alternations")
    args = parser.parse_args(argv)

    emulator = SlackEmulator(bot_token=TOKEN, team_id=TEAM, bot_user_id="UBOT").start()
    for user in ("UALICE", "UBOB"):
        emulator.add_user(user, name=user.lower())
    emulator.general_id = emulator.add_channel("general", members=["UALICE", "UBOB"])  # type: ignore[attr-defined]
    emulator.add_channel("incidents", members=["UALICE", "UBOB"])
    workdir = Path(tempfile.mkdtemp(prefix="sitrep-bench-"))
    database_url = f"sqlite:///{workdir / 'sitrep.db'}"
    servers: list[Server] = []
    try:
        bare = start_bare(emulator.api_url)
        servers.append(bare)
        sitrep = start_sitrep(emulator.api_url, database_url)
        servers.append(sitrep)
        channel = declare_incident(sitrep.port, emulator, database_url)
        print(
            f"{os.cpu_count()} CPUs, waitress with {THREADS} threads each, "
            f"{args.clients} client connections",
            flush=True,
        )
        baseline = measure(bare, channel, args, None)
        captured = measure(
            sitrep, channel, args, lambda n, since: stored_after(database_url, n, since)
        )
        ratio = captured["burst"].rate / baseline["burst"].rate
        p99 = percentile(captured["steady"].latencies_ms, 99)
        for server in servers:
            server.stop()
        servers.clear()
        metrics_ratio = compare_metrics(emulator, workdir, args, servers)
        print(f"ratio (Sitrep / bare throughput): {ratio:.2f}  (target >= 0.70)")
        print(f"Sitrep p99 ack at {args.rate:.0f}/s: {p99:.1f} ms  (target < 50 ms)")
        print(f"ratio (metrics on / off throughput): {metrics_ratio:.2f}  (target >= 0.95)")
        overhead = metrics_overhead_us()
        print(
            f"counting adds {overhead:.1f} us per event: {overhead * ratio_base(captured):.1%} "
            "of the time Sitrep spends per event at its measured throughput"
        )
    finally:
        for server in servers:
            server.stop()
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
