"""How the process runs as a service: metrics, log format, shutdown, capture queue.

Environment variables, like the other per-deployment settings: they differ
between a laptop and a cluster, never between two incidents.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from config.values import ConfigError, parse_duration

LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class OperationsSettings:
    metrics_enabled: bool = True  # SITREP_METRICS=off turns /metrics and its counting off
    log_format: str = "text"  # SITREP_LOG_FORMAT=json: one JSON object per line
    shutdown_timeout: float = 10.0  # SITREP_SHUTDOWN_TIMEOUT: drain time after SIGTERM
    capture_queue_size: int = 10_000  # SITREP_CAPTURE_QUEUE_SIZE: events held for writing

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> OperationsSettings:
        env = os.environ if environ is None else environ
        metrics = (env.get("SITREP_METRICS") or "on").strip().lower()
        if metrics not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
            raise ConfigError("SITREP_METRICS", f"expected on or off, got {metrics!r}")
        log_format = (env.get("SITREP_LOG_FORMAT") or "text").strip().lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError("SITREP_LOG_FORMAT", f"expected text or json, got {log_format!r}")
        timeout = parse_duration(
            env.get("SITREP_SHUTDOWN_TIMEOUT") or "10s", "SITREP_SHUTDOWN_TIMEOUT"
        )
        assert timeout is not None
        raw_size = (env.get("SITREP_CAPTURE_QUEUE_SIZE") or "10000").strip()
        if not raw_size.isdigit() or int(raw_size) < 100:
            raise ConfigError(
                "SITREP_CAPTURE_QUEUE_SIZE",
                f"expected a whole number of at least 100, got {raw_size!r}",
            )
        return cls(
            metrics_enabled=metrics in ("on", "true", "1", "yes"),
            log_format=log_format,
            shutdown_timeout=timeout.total_seconds(),
            capture_queue_size=int(raw_size),
        )
