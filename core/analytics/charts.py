"""PNG charts of a period's stats, drawn with matplotlib's Agg backend.

Figures are built with the object API (``Figure`` + ``FigureCanvasAgg``), not
pyplot, because commands run on worker threads and pyplot keeps global state.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.analytics.stats import Stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Most severe first; more levels than colours repeat the last one.
SEVERITY_COLOURS = ("#b3261e", "#e8710a", "#f9ab00", "#5f6368", "#9aa0a6")
MAX_SERVICES = 8


@dataclass(frozen=True)
class Chart:
    filename: str
    title: str
    png: bytes


def _figure() -> Figure:
    """A new figure on the Agg canvas; matplotlib is imported on first use, not at start-up."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as AggFigure

    figure = AggFigure(figsize=(7, 3.2))
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _week_labels(stats: Stats) -> list[str]:
    return [w["start"][5:] for w in stats.weekly]  # MM-DD


def incidents_by_week(stats: Stats, severity_keys: list[str]) -> Chart:
    figure = _figure()
    axes = figure.add_subplot()
    labels = _week_labels(stats)
    bottom = [0] * len(labels)
    for index, key in enumerate(severity_keys):
        values = [w["by_severity"].get(key, 0) for w in stats.weekly]
        if not any(values):
            continue
        colour = SEVERITY_COLOURS[min(index, len(SEVERITY_COLOURS) - 1)]
        axes.bar(labels, values, bottom=bottom, label=key, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(f"Incidents per week, {stats.period.label}")
    axes.set_ylabel("incidents")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    if any(bottom):
        axes.legend(loc="upper left", fontsize=8)
    return Chart("incidents-by-week.png", "Incidents per week by severity", _png(figure))


def time_to_resolve(stats: Stats) -> Chart:
    figure = _figure()
    axes = figure.add_subplot()
    labels = _week_labels(stats)
    points = [
        (index, week["median_resolve_seconds"] / 3600)
        for index, week in enumerate(stats.weekly)
        if week["median_resolve_seconds"] is not None
    ]
    if points:
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", color="#1a73e8")
    if stats.resolve.previous_median:
        axes.axhline(
            stats.resolve.previous_median / 3600,
            color="#9aa0a6",
            linestyle="--",
            label="previous period median",
        )
        axes.legend(loc="upper left", fontsize=8)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_title("Median time to resolve per week")
    axes.set_ylabel("hours")
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    return Chart("time-to-resolve.png", "Median time to resolve per week", _png(figure))


def top_services(stats: Stats) -> Chart:
    figure = _figure()
    axes = figure.add_subplot()
    top = list(reversed(stats.by_service[:MAX_SERVICES]))
    axes.barh([name for name, _ in top], [count for _, count in top], color="#1a73e8")
    axes.set_title("Incidents by service")
    axes.set_xlabel("incidents")
    axes.xaxis.get_major_locator().set_params(integer=True)
    return Chart("incidents-by-service.png", "Incidents by service", _png(figure))


def all_charts(stats: Stats, severity_keys: list[str]) -> list[Chart]:
    """Every chart worth drawing for these stats; none when there were no incidents."""
    if not stats.incidents:
        return []
    charts = [incidents_by_week(stats, severity_keys), time_to_resolve(stats)]
    if stats.by_service:
        charts.append(top_services(stats))
    return charts
