"""How long a newcomer waits: ``scripts/run.sh`` with no Slack token until the sandbox answers.

    python -m bench.sandbox_start [--runs 5]

Each run starts ``scripts/run.sh`` (already installed: the checkout's ``.venv``
exists) in its own process group with no ``SLACK_*`` variables, and measures the
time until the page at ``/`` answers 200, and until Sitrep behind it is ready
(the emulator's health check says so). Then Ctrl-C goes to the group, as in a
terminal, and the run checks that the command exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIMIT = 5.0  # seconds the issue allows until the page answers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return answer.read() if answer.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


def one_run(folder: Path) -> tuple[float, float]:
    """Seconds until the page answered, and until Sitrep was ready."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SITREP_"))}
    env.update({"SITREP_SANDBOX_PORT": str(port), "SITREP_SANDBOX_DIR": str(folder)})
    started = time.monotonic()
    proc = subprocess.Popen(
        ["bash", str(REPO / "scripts" / "run.sh")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    page = ready = 0.0
    try:
        while time.monotonic() - started < 60:
            if proc.poll() is not None:
                raise RuntimeError(f"scripts/run.sh exited with {proc.returncode}")
            if not page and _get(f"http://127.0.0.1:{port}/"):
                page = time.monotonic() - started
            health = _get(f"http://127.0.0.1:{port}/sandbox/api/health")
            if page and health and json.loads(health).get("app_ready"):
                ready = time.monotonic() - started
                break
            time.sleep(0.01)
        else:
            raise RuntimeError("the sandbox did not answer within 60 s")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=30)
    if code != 0:
        raise RuntimeError(f"scripts/run.sh exited with {code} after Ctrl-C")
    return page, ready


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_start")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args(argv)
    if not (REPO / ".venv" / "bin" / "sitrep").exists():
        print("run scripts/run.sh once first: this measures an installed checkout", file=sys.stderr)
        return 2
    pages, readies = [], []
    with tempfile.TemporaryDirectory(prefix="sitrep-sandbox-bench-") as tmp:
        for n in range(options.runs):
            page, ready = one_run(Path(tmp) / f"run{n}")
            pages.append(page)
            readies.append(ready)
            print(f"run {n + 1}: page {page:.2f} s, Sitrep ready {ready:.2f} s", flush=True)
    print(
        f"page answers: median {statistics.median(pages):.2f} s, max {max(pages):.2f} s; "
        f"Sitrep ready: median {statistics.median(readies):.2f} s, max {max(readies):.2f} s "
        f"(limit {LIMIT:.0f} s for the page)"
    )
    return 0 if max(pages) < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
