#!/usr/bin/env bash
# Regenerates the two hashed lock files from pyproject.toml with uv:
#   requirements-test.lock  everything CI installs (Sitrep's dependencies plus
#                           the emulator and test extras);
#   requirements.lock       what a production install needs (the container),
#                           held to the same versions as the test lock.
# Versions already in a lock are kept unless pyproject.toml no longer allows
# them; pass --upgrade (or --upgrade-package NAME) to move them on.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
PYTHON="${PYTHON:-python3}"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
"$PYTHON" -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install -q "uv==$UV_VERSION" 2>&1 | grep -v "^WARNING: Location" >&2 || true
uv="$tools/venv/bin/uv"

header() {
  cat <<HEADER
# $1
# Generated from pyproject.toml by scripts/lock.sh (uv $UV_VERSION: uv pip compile
# --universal --generate-hashes, for Python 3.11 and later). Do not edit by hand: after
# changing dependencies in pyproject.toml, run
#     scripts/lock.sh                      # keep the pinned versions that still fit
#     scripts/lock.sh --upgrade-package X  # move one package on
#     scripts/lock.sh --upgrade            # move everything on
# and commit both lock files. Install with: pip install --require-hashes -r $2
HEADER
}

compile() {
  local out="$1" title="$2"
  shift 2
  local body="$tools/$out"
  if [ -f "$out" ]; then grep -v '^#' "$out" >"$body" || true; fi
  "$uv" pip compile pyproject.toml --quiet --universal --python-version 3.11 \
    --generate-hashes --no-header --output-file "$body" "$@"
  { header "$title" "$out"; cat "$body"; } >"$out"
}

compile requirements-test.lock "Sitrep's test environment: the package's dependencies and its [test] extra." \
  --extra test "$@"
compile requirements.lock "Sitrep's production dependencies (no extras), at the versions CI tests." \
  --constraint requirements-test.lock "$@"
echo "wrote requirements-test.lock and requirements.lock"
