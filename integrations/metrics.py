"""Counting calls to outside services, for ``/metrics``.

Defined here, under the adapters, so every integration can count its calls
the same way: ``record_call("pagerduty", "ok")``. Outcomes: ``ok``, ``error``
(refused, not worth retrying), ``retryable`` (5xx, timeout, 429).
"""

from __future__ import annotations

from prometheus_client import Counter

INTEGRATION_CALLS = Counter(
    "sitrep_integration_calls",
    "Calls to outside services (pagers, trackers, status pages) by service and outcome.",
    ["service", "outcome"],
)


def record_call(service: str, outcome: str) -> None:
    INTEGRATION_CALLS.labels(service=service, outcome=outcome).inc()
