#!/usr/bin/env bash
# A throwaway PostgreSQL for the test suite: installs Debian's server when it is
# missing, runs a private cluster on loopback and prints its URL.
#   scripts/postgres.sh start   -> prints postgresql://... on stdout
#   scripts/postgres.sh stop
set -euo pipefail

PORT="${SITREP_TEST_PG_PORT:-54329}"
DATA="${SITREP_TEST_PG_DIR:-${TMPDIR:-/tmp}/sitrep-test-pg}"

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
  # PostgreSQL refuses to run as root; run it as the postgres user instead.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
  if [ -n "$(find_bin)" ]; then return; fi
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL server not found; install Debian's 'postgresql' package (needs root)" >&2
    exit 1
  fi
  echo "installing PostgreSQL from Debian's packages..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

start() {
  install_server
  local bin
  bin="$(find_bin)"
  if [ -f "$DATA/postmaster.pid" ]; then stop >/dev/null 2>&1 || true; fi
  rm -rf "$DATA"
  mkdir -p "$DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; fi
  as_owner "$bin/initdb" -D "$DATA" -U sitrep -A trust -E UTF8 --no-sync >/dev/null
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o \
    "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  echo "postgresql://sitrep@127.0.0.1:$PORT/postgres"
}

stop() {
  local bin
  bin="$(find_bin)"
  [ -n "$bin" ] && [ -d "$DATA" ] && as_owner "$bin/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
