#!/usr/bin/env bash
# Installs Sitrep with its test dependencies and runs the whole suite: lint,
# the container recipe check, then every test on SQLite, then every test
# again on PostgreSQL.
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
