#!/usr/bin/env bash
# Installs Sitrep into .venv and runs it: `sitrep serve` (HTTP) by default,
# any arguments are passed on, e.g. `scripts/run.sh serve --socket`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null
python -m pip install -q -e ".[emulator]"   # the emulator backs `sitrep sandbox`

if [ "$#" -eq 0 ]; then set -- serve; fi
exec sitrep "$@"
