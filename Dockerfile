# Sitrep as a container: `sitrep serve` (HTTP) on port 3000, as an
# unprivileged user, with a health check on /healthz.
#
#   docker build -t sitrep .
#   docker run --init -p 127.0.0.1:3000:3000 -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET sitrep
#
# CI cannot pull base images, so scripts/image-check.sh runs this file's steps
# outside Docker instead: it copies what COPY copies, runs every RUN step with
# the three SITREP_* paths below pointed into a scratch folder (skipping the
# one that creates the system user), starts CMD and polls HEALTHCHECK. Keep
# each RUN step to those paths so the check stays a faithful replay.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SITREP_VENV=/opt/sitrep \
    SITREP_SRC=/usr/src/sitrep \
    SITREP_HOME=/var/lib/sitrep
ENV PATH="${SITREP_VENV}/bin:${PATH}"

# Dependencies first, pinned and hash-checked, so a code change reuses this layer.
COPY requirements.lock ${SITREP_SRC}/
RUN python -m venv "$SITREP_VENV" \
 && "$SITREP_VENV/bin/pip" install --no-cache-dir --require-hashes -r "$SITREP_SRC/requirements.lock"

# Then Sitrep itself (a regular, non-editable install: templates, migrations
# and the Slack manifest travel inside the package).
COPY . ${SITREP_SRC}/
RUN "$SITREP_VENV/bin/pip" install --no-cache-dir --no-deps "$SITREP_SRC" \
 && rm -rf "$SITREP_SRC"

RUN useradd --system --user-group --uid 10001 --home-dir "$SITREP_HOME" --create-home \
        --shell /usr/sbin/nologin sitrep
USER sitrep
WORKDIR ${SITREP_HOME}
# The SQLite file (DATABASE_URL unset) lands here; mount a volume to keep it.
# With PostgreSQL (compose.yaml) nothing is written here.
VOLUME ["/var/lib/sitrep"]

# Inside the container Sitrep must listen on every interface for the port
# mapping to reach it; publish the port on 127.0.0.1 behind your reverse proxy.
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
CMD ["sitrep", "serve", "--host", "0.0.0.0", "--port", "3000"]
