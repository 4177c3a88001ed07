"""Time to detect, acknowledge and resolve, measured between stored milestones.

A measure is a pair of milestone kinds; an incident missing either end (or
with them out of order) is left out rather than guessed, so a median moves
only with real timestamps.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from core.analytics.stats.facts import IncidentFacts

# (from, to) milestone kinds; "started" is impact_started, or declared when impact has no time.
DETECT = ("impact_started", "declared")
ACKNOWLEDGE = ("declared", "acknowledged")
RESOLVE = ("started", "resolved")


@dataclass
class Durations:
    """One response-time measure over a period, in seconds."""

    count: int = 0
    median: float | None = None
    mean: float | None = None
    p90: float | None = None
    previous_median: float | None = None

    @classmethod
    def of(cls, values: list[timedelta], previous: list[timedelta]) -> Durations:
        seconds = sorted(v.total_seconds() for v in values)
        before = [v.total_seconds() for v in previous]
        return cls(
            count=len(seconds),
            median=statistics.median(seconds) if seconds else None,
            mean=statistics.fmean(seconds) if seconds else None,
            p90=seconds[min(len(seconds) - 1, int(len(seconds) * 0.9))] if seconds else None,
            previous_median=statistics.median(before) if before else None,
        )

    @property
    def change(self) -> float | None:
        """Relative change of the median against the previous period (-0.25 is 25% faster)."""
        if self.median is None or not self.previous_median:
            return None
        return (self.median - self.previous_median) / self.previous_median


def spans(incidents: list[IncidentFacts], measure: tuple[str, str]) -> list[timedelta]:
    """The measure for each incident that has both of its milestones in order."""
    start, end = measure
    return [s for i in incidents if (s := i.span(start, end)) is not None]


def time_to(
    measure: tuple[str, str], current: list[IncidentFacts], before: list[IncidentFacts]
) -> Durations:
    """The measure over the period's incidents, with the comparison period's median."""
    return Durations.of(spans(current, measure), spans(before, measure))
