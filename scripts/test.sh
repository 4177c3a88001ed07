#!/usr/bin/env bash
# Installs Sitrep with its test dependencies and runs the whole suite: lint,
# the container recipe check, then every test on SQLite, then every test
# again on PostgreSQL. The sandbox's browser test drives Debian's Chromium,
# installed here when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null
# Exactly the versions in the hashed lock (scripts/lock.sh makes it), then
# Sitrep itself on top, without letting pip pick anything else.
python -m pip install -q --require-hashes -r requirements-test.lock
python -m pip install -q --no-deps -e .
touch .venv/.sitrep-installed  # scripts/run.sh need not install again

install_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" != 0 ]; then
    echo "Chromium not found: install Debian's 'chromium' package (needs root) for the browser test" >&2
    return
  fi
  echo "installing Chromium from Debian's packages..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # The emoji font only makes the test's screenshots readable.
  apt-get install -y -qq chromium fonts-noto-color-emoji >&2
}
install_chromium

ruff check .
lint-imports

echo "== container recipe =="
bash scripts/image-check.sh

echo "== tests on SQLite =="
python -m pytest -q "$@"

echo "== tests on PostgreSQL =="
PG_URL="$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop' EXIT
SITREP_TEST_POSTGRES_URL="$PG_URL" python -m pytest -q "$@"
