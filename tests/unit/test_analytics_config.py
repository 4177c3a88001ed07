"""The ``analytics`` settings and stats periods."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config import ConfigError, load_config, parse_config
from core.analytics.patterns import ordinal
from core.analytics.periods import comparison, parse_period, parse_since
from core.errors import InvalidInput

NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)


def test_defaults() -> None:
    config = load_config(None).analytics
    assert config.report_channel == "" and config.pattern_threshold == 3
    assert config.is_night(23) and config.is_night(2) and not config.is_night(6)
    assert "capacity" in config.root_cause_categories


def test_settings_are_read_and_checked() -> None:
    config = parse_config(
        {
            "analytics": {
                "report_channel": "#incident-reports",
                "report_time": "07:30",
                "night_hours": "0-7",
                "fatigue": {"nights": 4},
                "root_cause_categories": ["Deploy", "Third Party"],
            }
        }
    ).analytics
    assert config.report_channel == "incident-reports"
    assert (config.report_time.hour, config.report_time.minute) == (7, 30)
    assert config.is_night(0) and not config.is_night(23)
    assert config.fatigue.nights == 4 and config.fatigue.sev12_incidents == 3
    assert config.root_cause_categories == ("deploy", "third-party")


@pytest.mark.parametrize(
    "section, key",
    [
        ({"report_day": 31}, "analytics.report_day"),
        ({"night_hours": "late"}, "analytics.night_hours"),
        ({"pattern_threshold": 1}, "analytics.pattern_threshold"),
        ({"fatigue": {"weekends": 2}}, "analytics.fatigue.weekends"),
        ({"colour": "red"}, "analytics.colour"),
        ({"root_cause_categories": ["bad/slug"]}, "analytics.root_cause_categories[0]"),
    ],
)
def test_bad_settings_name_the_key(section: dict, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"analytics": section})
    assert error.value.key == key


def test_periods_and_what_they_compare_with() -> None:
    month_window = parse_period("30d", NOW)
    assert month_window.length.days == 30 and comparison(month_window).end == month_window.start
    quarter = parse_period("quarter", NOW)
    assert quarter.start == datetime(2026, 4, 1, tzinfo=UTC) and quarter.label == "Q2 2026 so far"
    before = comparison(quarter)
    assert before.start == datetime(2026, 1, 1, tzinfo=UTC) and before.length == quarter.length
    may = parse_period("2026-05", NOW)
    assert (may.start.month, may.end.month, may.label) == (5, 6, "May 2026")
    assert comparison(may).start == datetime(2026, 4, 1, tzinfo=UTC)
    assert parse_since("2026-01-01", NOW).start == datetime(2026, 1, 1, tzinfo=UTC)
    for bad in ("0d", "fortnight", "2026-13"):
        with pytest.raises(InvalidInput):
            parse_period(bad, NOW)


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 112)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "112th",
    ]
