"""How many incidents, of which severity, on which services, from which causes.

Counts read only the incident rows already loaded for the period, so they add
no queries of their own.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from typing import Any

from config import Severities
from core.analytics.periods import Period
from core.analytics.stats.facts import IncidentFacts
from core.analytics.stats.timing import RESOLVE

UNTAGGED = "untagged"
NO_SERVICE = "no service"


def counts(values: Iterable[str]) -> list[tuple[str, int]]:
    """Most frequent first, ties alphabetical, so charts and text read the same each time."""
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))


def by_severity(incidents: list[IncidentFacts], severities: Severities) -> list[tuple[str, int]]:
    """Counts in the configured severity order; a key no longer configured goes last."""
    order = {key: n for n, key in enumerate(severities.keys)}
    return sorted(
        Counter(i.severity for i in incidents).items(), key=lambda kv: order.get(kv[0], 99)
    )


def severity_counts(incidents: list[IncidentFacts]) -> dict[str, int]:
    return dict(Counter(i.severity for i in incidents))


def by_service(incidents: list[IncidentFacts]) -> list[tuple[str, int]]:
    """An incident counts once for each service it touched, or under "no service"."""
    return counts(s for i in incidents for s in (i.services or [NO_SERVICE]))


def by_category(incidents: list[IncidentFacts]) -> list[tuple[str, int]]:
    return counts(i.category or UNTAGGED for i in incidents)


def weekly_series(
    incidents: list[IncidentFacts], period: Period, severities: Severities
) -> list[dict[str, Any]]:
    """Per week of the period: incidents by severity and the median time to resolve."""
    weeks: list[dict[str, Any]] = []
    for start, end in period.weeks():
        inside = [i for i in incidents if start <= i.declared_at < end]
        # Truthiness, not "is not None": a zero-length resolve stays out of the weekly median.
        resolve = [s.total_seconds() for i in inside if (s := i.span(*RESOLVE))]
        weeks.append(
            {
                "start": start.date().isoformat(),
                "by_severity": {
                    key: sum(1 for i in inside if i.severity == key) for key in severities.keys
                },
                "count": len(inside),
                "median_resolve_seconds": statistics.median(resolve) if resolve else None,
            }
        )
    return weeks
