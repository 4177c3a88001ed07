"""Replay the Dockerfile outside Docker: its install steps, its CMD and its HEALTHCHECK.

CI cannot pull container base images, so the image is never built there. This
runs the same recipe on the host instead, in a scratch folder, so a broken
install step, a missing file in the build context or a command that does not
start fails CI. What differs from a real build, and nothing else:

- the paths in ``SITREP_VENV``, ``SITREP_SRC`` and ``SITREP_HOME`` point into
  the scratch folder, and pip keeps its cache (``PIP_NO_CACHE_DIR`` unset)
  and prints less (``PIP_QUIET``);
- ``python`` is this machine's interpreter rather than the base image's;
- the step that creates the system user is skipped; when this runs as root,
  the server runs as ``nobody`` instead, so it still cannot write outside
  its home;
- the server listens on 127.0.0.1 and a free port instead of 0.0.0.0:3000,
  and the health check is pointed at that port.

Usage: python scripts/image_check.py [--keep]   (scripts/image-check.sh runs it)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTAINER_PATHS = ("SITREP_VENV", "SITREP_SRC", "SITREP_HOME")
# Steps that change the (absent) operating system rather than install Sitrep.
SYSTEM_STEPS = ("useradd ", "groupadd ", "adduser ", "addgroup ")
NOBODY = 65534


class CheckFailed(Exception):
    pass


@dataclass
class Recipe:
    env: dict[str, str] = field(default_factory=dict)
    # (instruction, argument, the ENV in force at that step)
    steps: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    user: str = "root"
    exposed: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, rest) pairs, continuation lines joined."""
    joined: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    if pending:
        joined.append(pending)
    pairs = []
    for line in joined:
        word, _, rest = line.partition(" ")
        pairs.append((word.upper(), rest.strip()))
    return pairs


def expand(value: str, env: dict[str, str]) -> str:
    def lookup(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env.get(name, "")

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lookup, value)


def exec_form(rest: str) -> list[str]:
    if not rest.startswith("["):
        raise CheckFailed(f"use the JSON (exec) form so signals reach Sitrep: {rest}")
    return list(json.loads(rest))


def parse(text: str, overrides: dict[str, str | None]) -> Recipe:
    recipe = Recipe()
    for word, rest in instructions(text):
        if word == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                if key in overrides:
                    value = overrides[key]
                    if value is None:
                        recipe.env.pop(key, None)
                        continue
                else:
                    value = expand(value, {**os.environ, **recipe.env})
                recipe.env[key] = value
        elif word in {"COPY", "RUN", "WORKDIR"}:
            recipe.steps.append((word, rest, dict(recipe.env)))
        elif word == "USER":
            recipe.user = rest
        elif word == "EXPOSE":
            recipe.exposed += rest.split()
        elif word == "HEALTHCHECK":
            options = re.match(r"((?:--\S+\s+)*)CMD\s+(.*)$", rest)
            if not options:
                raise CheckFailed(f"HEALTHCHECK without CMD: {rest}")
            recipe.healthcheck = exec_form(options.group(2))
        elif word == "CMD":
            recipe.cmd = exec_form(rest)
        elif word in {"FROM", "VOLUME", "LABEL", "STOPSIGNAL", "ARG"}:
            continue
        else:
            raise CheckFailed(f"image-check does not know how to replay {word}")
    for name in CONTAINER_PATHS:
        if name not in recipe.env:
            raise CheckFailed(f"the Dockerfile must set {name} (image-check points it elsewhere)")
    return recipe


def check_promises(recipe: Recipe) -> None:
    """What the README promises about the image, checked on the Dockerfile itself."""
    if recipe.user in {"", "root", "0"} or recipe.user.startswith("0:"):
        raise CheckFailed("the image must run as an unprivileged USER")
    if "3000" not in recipe.exposed:
        raise CheckFailed("the image must EXPOSE 3000")
    if not any("/healthz" in part for part in recipe.healthcheck):
        raise CheckFailed("the HEALTHCHECK must probe /healthz")
    cmd = recipe.cmd
    if cmd[:2] != ["sitrep", "serve"] or "--port" not in cmd or "--host" not in cmd:
        raise CheckFailed(f"CMD must be `sitrep serve --host ... --port ...`: {cmd}")
    if cmd[cmd.index("--port") + 1] != "3000" or cmd[cmd.index("--host") + 1] != "0.0.0.0":
        raise CheckFailed("CMD must listen on 0.0.0.0:3000 inside the container")


def ignored(relative: str, patterns: list[str]) -> bool:
    """.dockerignore matching: the last pattern that matches the path or a parent wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        regex = re.escape(body.strip("/"))
        regex = regex.replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, c) for c in candidates):
            verdict = not negate
    return verdict


def copy_context(source: str, dest: Path, patterns: list[str]) -> None:
    origin = (REPO / source).resolve()
    if origin.is_file():
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, dest / origin.name)
        return
    for folder, dirs, files in os.walk(origin):
        here = Path(folder)
        rel_dir = here.relative_to(REPO).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirs[:] = [d for d in dirs if not ignored(rel_dir + d, patterns)]
        for name in files:
            if ignored(rel_dir + name, patterns):
                continue
            target = dest / here.relative_to(origin) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(here / name, target)


def replay(recipe: Recipe, scratch: Path, patterns: list[str]) -> Path:
    """Run the COPY, RUN and WORKDIR steps in order; return the final working directory."""
    system_root = scratch / "root"
    system_root.mkdir()
    cwd = system_root
    for word, rest, step_env in recipe.steps:
        env = {**os.environ, **step_env}
        if word == "COPY":
            args = [a for a in shlex.split(rest) if not a.startswith("--")]
            *sources, dest = args
            for source in sources:
                copy_context(source, Path(expand(dest, env)), patterns)
            print(f"image-check: COPY {' '.join(sources)} -> {expand(dest, env)}", flush=True)
        elif word == "WORKDIR":
            cwd = Path(expand(rest, env))
            cwd.mkdir(parents=True, exist_ok=True)
        elif rest.startswith(SYSTEM_STEPS):
            home = Path(env["SITREP_HOME"])
            home.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                os.chown(home, NOBODY, NOBODY)
            print("image-check: skipped (creates the system user):", rest[:60], flush=True)
        else:
            container_path = re.search(r"(?<![\w$/{])/(?:opt|usr/src|var/lib)/\S*", rest)
            if container_path:
                raise CheckFailed(
                    f"RUN uses {container_path.group(0)} directly; use the SITREP_* variables"
                )
            print(f"image-check: RUN {rest[:100]}", flush=True)
            subprocess.run(["/bin/sh", "-c", rest], cwd=cwd, env=env, check=True)
    return cwd


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def user_can_run(python: str) -> bool:
    """Whether ``nobody`` can start this interpreter (not when it lives under /root)."""
    probe = [python, "-c", "import venv"]
    try:
        result = subprocess.run(probe, preexec_fn=as_nobody, capture_output=True, cwd="/")
    except OSError:
        return False
    return result.returncode == 0


def base_interpreter() -> str:
    """The stand-in for the base image's ``python``.

    As root, it must be one an unprivileged user can run too, so the server can
    be started as ``nobody``; the distribution's python3 is the usual fallback.
    """
    chosen = os.environ.get("PYTHON_FOR_IMAGE") or getattr(sys, "_base_executable", sys.executable)
    chosen = shutil.which(chosen) or chosen
    if os.geteuid() != 0 or user_can_run(chosen):
        return chosen
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(candidate).exists() and user_can_run(candidate):
            return candidate
    return chosen


def serve_and_probe(recipe: Recipe, home: Path, scratch: Path) -> None:
    port = str(free_port())
    cmd = list(recipe.cmd)
    cmd[cmd.index("--port") + 1] = port
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    probe = [part.replace(":3000/", f":{port}/") for part in recipe.healthcheck]
    env = {**os.environ, **recipe.env}
    env.update(
        SLACK_BOT_TOKEN="xoxb-image-check",
        SLACK_SIGNING_SECRET="image-check-secret",
        # Nothing listens here: Sitrep warns that Slack is unreachable and serves anyway.
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    for name in ("DATABASE_URL", "SITREP_CONFIG", "SITREP_TEMPLATES_DIR", "PYTHONPATH"):
        env.pop(name, None)
    env["HOME"] = str(home)  # Docker sets HOME from the USER's passwd entry
    python = str(Path(recipe.env["SITREP_VENV"]) / "bin" / "python")
    drop = None
    if os.geteuid() == 0:
        if user_can_run(python):
            drop = as_nobody
        else:
            print("image-check: WARNING: nobody cannot run this Python; serving as root")
    log_path = scratch / "serve.log"
    who = "nobody" if drop else "you"
    print(f"image-check: CMD {' '.join(cmd)}  (as {who}, in {home})", flush=True)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            cmd, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=drop
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise CheckFailed(f"sitrep serve exited with {server.returncode}")
                result = subprocess.run(probe, cwd=home, env=env, capture_output=True, timeout=10)
                if result.returncode == 0:
                    break
                if time.monotonic() > deadline:
                    raise CheckFailed("the HEALTHCHECK did not pass within 60 s")
                time.sleep(0.5)
            print(f"image-check: HEALTHCHECK passed on port {port}", flush=True)
        except CheckFailed:
            sys.stderr.write(log_path.read_text(errors="replace"))
            raise
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def main(argv: list[str]) -> int:
    keep = "--keep" in argv
    scratch = Path(tempfile.mkdtemp(prefix="sitrep-image-check-"))
    scratch.chmod(0o755)  # the server may run as nobody and must reach the venv
    overrides: dict[str, str | None] = {
        "SITREP_VENV": str(scratch / "opt" / "sitrep"),
        "SITREP_SRC": str(scratch / "usr" / "src" / "sitrep"),
        "SITREP_HOME": str(scratch / "var" / "lib" / "sitrep"),
        "PIP_NO_CACHE_DIR": None,
    }
    # The base image's `python`: this machine's interpreter, first on PATH.
    tools = scratch / "bin"
    tools.mkdir()
    (tools / "python").symlink_to(base_interpreter())
    os.environ["PATH"] = f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.pop("VIRTUAL_ENV", None)
    os.environ["PIP_QUIET"] = "1"
    try:
        recipe = parse((REPO / "Dockerfile").read_text(), overrides)
        check_promises(recipe)
        patterns = [
            line.strip()
            for line in (REPO / ".dockerignore").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        home = replay(recipe, scratch, patterns)
        serve_and_probe(recipe, home, scratch)
    except (CheckFailed, subprocess.CalledProcessError) as exc:
        print(f"image-check: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if keep:
            print(f"image-check: kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print("image-check: the Dockerfile's recipe installs and serves /healthz")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
