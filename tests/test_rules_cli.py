"""``sitrep rules test`` prints the plan the bot would follow, in a real subprocess."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.process import run_sitrep as sitrep
from tests.unit.test_catalog_config import example


def config_file(tmp_path: Path) -> dict[str, str]:
    raw = example()
    raw["rules"].append(
        {
            "name": "private ones",
            "when": "declared",
            "if": {"private": True, "tags": ["security"]},
            "then": [{"set_cadence": "15m"}, {"require_postmortem": True}],
        }
    )
    path = tmp_path / "sitrep.yaml"
    path.write_text(yaml.safe_dump(raw))
    return {"SITREP_CONFIG": str(path)}


def test_a_matching_event_lists_each_action_in_order(tmp_path: Path) -> None:
    env = config_file(tmp_path)
    result = sitrep(
        "rules",
        "test",
        "--event",
        "declared",
        "--severity",
        "SEV1",
        "--service",
        "payments",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    steps = lines[lines.index("Would do, in order:") + 1 :]
    assert steps == [
        "1. [big payments incidents] invite @payments-leads",
        "2. [big payments incidents] page payments (not configured: paging (PagerDuty) "
        "is not set up; the bot would only record it)",
        "3. [big payments incidents] post in #exec-updates: "
        "text 'INC-{number} {severity}: {title}'",
    ]
    assert "- rule 'private ones': its conditions do not hold, skipped" in lines


def test_conditions_that_do_not_hold_do_nothing(tmp_path: Path) -> None:
    env = config_file(tmp_path)
    result = sitrep(
        "rules",
        "test",
        "--event",
        "declared",
        "--severity",
        "SEV3",
        "--service",
        "payments",
        env=env,
    )
    assert result.returncode == 0
    assert "No rule matches (2 rule(s) for declared); nothing would happen." in result.stdout
    both = sitrep(
        "rules",
        "test",
        "--event",
        "declared",
        "--severity",
        "sev2",
        "--service",
        "payments",
        "--private",
        "--tag",
        "security",
        env=env,
    )
    assert "4. [private ones] set the update cadence to 15m" in both.stdout
    assert "5. [private ones] require a postmortem" in both.stdout
    other_event = sitrep("rules", "test", "--event", "resolved", "--severity", "SEV1", env=env)
    assert "No rule matches (0 rule(s) for resolved)" in other_event.stdout


def test_a_bad_severity_or_config_exits_2(tmp_path: Path) -> None:
    env = config_file(tmp_path)
    bad = sitrep("rules", "test", "--event", "declared", "--severity", "SEV9", env=env)
    assert bad.returncode == 2 and "SEV9" in bad.stderr
    path = Path(env["SITREP_CONFIG"])
    path.write_text("rules:\n  - {name: x, when: created, then: [{page: payments}]}\n")
    broken = sitrep("rules", "test", "--event", "declared", env=env)
    assert broken.returncode == 2 and "rules[x].when" in broken.stderr
