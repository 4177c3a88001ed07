#!/usr/bin/env bash
# Checks the container recipe without building the image (base images cannot
# be pulled here): replays the Dockerfile's COPY and RUN steps into a scratch
# virtualenv, starts its CMD and waits for its HEALTHCHECK on /healthz.
# scripts/image_check.py explains exactly what differs from `docker build`.
# Pass --keep to leave the scratch folder for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
exec "$PYTHON" scripts/image_check.py "$@"
