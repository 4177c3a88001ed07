"""Response durations, computed from the stored milestones.

Detection runs from the start of impact to the declaration; acknowledging,
mitigating and resolving are counted from the declaration, which is when the
response began. The impact duration runs from the start of impact (or the
declaration when nobody recorded an earlier start) to the resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# name -> (label, from milestone, to milestone)
MEASURES: dict[str, tuple[str, str, str]] = {
    "time_to_detect": ("Time to detect", "impact_started", "declared"),
    "time_to_acknowledge": ("Time to acknowledge", "declared", "acknowledged"),
    "time_to_mitigate": ("Time to mitigate", "declared", "mitigated"),
    "time_to_resolve": ("Time to resolve", "declared", "resolved"),
    "impact_duration": ("Impact duration", "impact_started", "resolved"),
}


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    start: str
    end: str
    value: timedelta | None

    @property
    def seconds(self) -> int | None:
        return int(self.value.total_seconds()) if self.value is not None else None

    @property
    def text(self) -> str:
        return format_duration(self.value)


def compute(milestones: dict[str, datetime]) -> dict[str, Measure]:
    """One ``Measure`` per name in ``MEASURES``; ``value`` is None when a moment is missing."""
    times = dict(milestones)
    results: dict[str, Measure] = {}
    for name, (label, start, end) in MEASURES.items():
        begin = times.get(start)
        if name == "impact_duration" and begin is None:
            begin = times.get("declared")
        finish = times.get(end)
        value = finish - begin if begin is not None and finish is not None else None
        if value is not None and value < timedelta(0):
            value = None  # a back-dated milestone entered after a later one; not a duration
        results[name] = Measure(name, label, start, end, value)
    return results


def format_duration(value: timedelta | None) -> str:
    """``45s``, ``12m``, ``1h 05m``, ``2d 3h``; an em dash when unknown."""
    if value is None:
        return "—"
    seconds = int(round(value.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m" if sec == 0 or minutes >= 10 else f"{minutes}m {sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
