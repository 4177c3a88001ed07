#!/usr/bin/env bash
# Installs Sitrep into .venv and runs it. With no arguments: `sitrep serve`
# (HTTP) when SLACK_BOT_TOKEN is set, otherwise `sitrep sandbox`, Sitrep and a
# local Slack in your browser at http://127.0.0.1:3000/ (no Slack app needed;
# SITREP_SANDBOX_PORT picks another port).
# Any arguments are passed on, e.g. `scripts/run.sh serve --socket`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
. .venv/bin/activate
# Installing again is only needed when the dependencies changed; skipping it
# when nothing did keeps a second start to a couple of seconds.
STAMP=.venv/.sitrep-installed
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || ! command -v sitrep >/dev/null; then
  python -m pip install -q --upgrade pip >/dev/null
  python -m pip install -q -e ".[emulator]"   # the emulator backs `sitrep sandbox`
  touch "$STAMP"
fi

if [ "$#" -eq 0 ]; then
  if [ -n "${SLACK_BOT_TOKEN:-}" ]; then
    set -- serve
  else
    echo "SLACK_BOT_TOKEN is not set: starting the sandbox, Sitrep with a local Slack."
    set -- sandbox
  fi
fi
exec sitrep "$@"
