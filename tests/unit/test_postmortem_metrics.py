"""Durations between milestones, and how they read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.postmortem.metrics import compute, format_duration

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def test_all_durations_from_milestones() -> None:
    measures = compute(
        {
            "impact_started": T0 - timedelta(minutes=9),
            "declared": T0,
            "acknowledged": T0 + timedelta(minutes=2),
            "mitigated": T0 + timedelta(minutes=20),
            "resolved": T0 + timedelta(hours=1, minutes=5),
        }
    )
    assert {k: m.text for k, m in measures.items()} == {
        "time_to_detect": "9m",
        "time_to_acknowledge": "2m",
        "time_to_mitigate": "20m",
        "time_to_resolve": "1h 05m",
        "impact_duration": "1h 14m",
    }
    assert measures["time_to_resolve"].seconds == 3900


def test_missing_moments_leave_gaps_and_impact_falls_back_to_the_declaration() -> None:
    measures = compute({"declared": T0, "resolved": T0 + timedelta(minutes=30)})
    assert measures["time_to_detect"].value is None
    assert measures["time_to_detect"].text == "—"
    assert measures["time_to_acknowledge"].value is None
    assert measures["impact_duration"].text == "30m"


def test_a_backdated_milestone_after_a_later_one_is_not_a_negative_duration() -> None:
    measures = compute({"impact_started": T0 + timedelta(minutes=5), "declared": T0})
    assert measures["time_to_detect"].value is None


def test_formatting() -> None:
    assert format_duration(timedelta(seconds=45)) == "45s"
    assert format_duration(timedelta(seconds=150)) == "2m 30s"
    assert format_duration(timedelta(minutes=12)) == "12m"
    assert format_duration(timedelta(hours=26)) == "1d 2h"
