"""The service catalog, paging, alert routes and rules: parsed, and refused with the key named."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from config import ConfigError, parse_config

ISSUE_EXAMPLE: dict[str, Any] = {
    "services": [
        {
            "key": "payments",
            "name": "Payments API",
            "team": "payments",
            "tier": 1,
            "owners": ["@payments-leads", "U0123ABC"],
            "channel": "payments-alerts",
            "pagerduty": {
                "service_id": "PSVC123",
                "escalation_policy_id": "PEP123",
                "routing_key_env": "PD_ROUTING_KEY_PAYMENTS",
            },
            "runbooks": [
                {"title": "Payments failover", "url": "https://wiki.example.com/payments-failover"}
            ],
            "tracker": {"kind": "jira", "project": "PAY"},
            "statuspage_component": "cmp123",
        }
    ],
    "pagerduty": {"page_severities": ["SEV1", "SEV2"]},
    "alerts": {
        "default_channel": "alerts-triage",
        "routes": [
            {
                "match": {"team": "payments"},
                "match_re": {"alertname": "Payment.*"},
                "service": "payments",
                "severity": "SEV2",
                "action": "triage",
            }
        ],
    },
    "rules": [
        {
            "name": "big payments incidents",
            "when": "declared",
            "if": {"severity": ">= SEV2", "services": ["payments"]},
            "then": [
                {"invite": ["@payments-leads"]},
                {"page": "payments"},
                {"post": {"channel": "exec-updates", "text": "INC-{number} {severity}: {title}"}},
            ],
        }
    ],
}


def example() -> dict[str, Any]:
    return copy.deepcopy(ISSUE_EXAMPLE)


def test_the_issue_example_parses() -> None:
    config = parse_config(example())
    payments = config.catalog.get("payments")
    assert payments is not None and payments.name == "Payments API" and payments.tier == 1
    assert payments.owner_groups == ("payments-leads",) and payments.owner_users == ("U0123ABC",)
    assert payments.pagerduty is not None
    assert payments.pagerduty.routing_key_env == "PD_ROUTING_KEY_PAYMENTS"
    assert payments.runbooks[0].url == "https://wiki.example.com/payments-failover"
    assert payments.tracker["project"] == "PAY" and payments.statuspage_component == "cmp123"
    assert config.pagerduty.page_severities == ("SEV1", "SEV2")
    route = config.alerts.routes[0]
    assert route.matches({"team": "payments", "alertname": "PaymentFailed"})
    # Full match: a prefix is not enough, and a missing label never matches.
    assert not route.matches({"team": "payments", "alertname": "XPaymentFailed"})
    assert not route.matches({"alertname": "PaymentFailed"})
    rule = config.rules.rules[0]
    assert rule.conditions.severity == frozenset({"SEV1", "SEV2"})
    assert [a.kind for a in rule.actions] == ["invite", "page", "post"]


def test_defaults_without_the_new_sections() -> None:
    config = parse_config({})
    assert not config.catalog and config.rules.rules == ()
    assert config.pagerduty.page_severities == ("SEV1", "SEV2")
    assert config.alerts.default_channel == "alerts-triage" and config.alerts.routes == ()


def test_severity_comparisons_follow_the_configured_order() -> None:
    raw = example()
    raw["rules"] = [
        {
            "name": f"r{i}",
            "when": "declared",
            "if": {"severity": text},
            "then": [{"set_cadence": "5m"}],
        }
        for i, text in enumerate(["> SEV2", "<= SEV3", "== sev4", ["SEV1", "3"]])
    ]
    rules = parse_config(raw).rules.rules
    assert [r.conditions.severity for r in rules] == [
        frozenset({"SEV1"}),
        frozenset({"SEV3", "SEV4"}),
        frozenset({"SEV4"}),
        frozenset({"SEV1", "SEV3"}),
    ]
    assert rules[0].actions[0].value == timedelta(minutes=5)


def _set(raw: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    target = raw
    for part in path[:-1]:
        target = target[part]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return raw


DELETE = object()
RULE = ["rules", 0]
CASES = [
    (["services", 0, "key"], "Payments API", "services[0].key"),
    (["services", 0, "colour"], "red", "services[0].colour"),
    (["services", 0, "tier"], "one", "services[0].tier"),
    (["services", 0, "owners"], ["payments-leads"], "services[0].owners[0]"),
    (
        ["services", 0, "pagerduty", "routing_key_env"],
        "not a var",
        "services[0].pagerduty.routing_key_env",
    ),
    (["services", 0, "pagerduty", "token"], "x", "services[0].pagerduty.token"),
    (["services", 0, "runbooks", 0, "url"], "wiki/payments", "services[0].runbooks[0].url"),
    (["services", 0, "runbooks", 0, "title"], DELETE, "services[0].runbooks[0].title"),
    (["services", 0, "tracker"], {"project": "PAY"}, "services[0].tracker.kind"),
    (["pagerduty", "page_severities"], ["SEV9"], "pagerduty.page_severities[0]"),
    (
        ["alerts", "routes", 0, "match_re", "alertname"],
        "Payment(",
        "alerts.routes[0].match_re.alertname",
    ),
    (["alerts", "routes", 0, "action"], "page", "alerts.routes[0].action"),
    (["alerts", "routes", 0, "service"], "billing", "alerts.routes[0].service"),
    (["alerts", "routes", 0, "severity"], "SEV9", "alerts.routes[0].severity"),
    (["alerts", "default_chanel"], "x", "alerts.default_chanel"),
    ([*RULE, "when"], "created", "rules[big payments incidents].when"),
    ([*RULE, "if", "severity"], ">= SEV9", "rules[big payments incidents].if.severity"),
    ([*RULE, "if", "services"], ["billing"], "rules[big payments incidents].if.services[0]"),
    ([*RULE, "if", "status"], ["sleeping"], "rules[big payments incidents].if.status[0]"),
    ([*RULE, "if", "private"], "yes", "rules[big payments incidents].if.private"),
    ([*RULE, "if", "colour"], "red", "rules[big payments incidents].if.colour"),
    ([*RULE, "then"], [], "rules[big payments incidents].then"),
    ([*RULE, "then", 0], {"invite": ["alice"]}, "rules[big payments incidents].then[0].invite[0]"),
    ([*RULE, "then", 0], {"email": "x"}, "rules[big payments incidents].then[0].email"),
    ([*RULE, "then", 1], {"page": "billing"}, "rules[big payments incidents].then[1].page"),
    (
        [*RULE, "then", 2, "post", "text"],
        "INC-{id}",
        "rules[big payments incidents].then[2].post.text",
    ),
    (
        [*RULE, "then", 2, "post", "channel"],
        DELETE,
        "rules[big payments incidents].then[2].post.channel",
    ),
    ([*RULE, "then", 2, "post", "template"], "x.j2", "rules[big payments incidents].then[2].post"),
    (
        [*RULE, "then", 0],
        {"set_cadence": "soon"},
        "rules[big payments incidents].then[0].set_cadence",
    ),
    ([*RULE, "name"], DELETE, "rules[0].name"),
]


@pytest.mark.parametrize(("path", "value", "key"), CASES, ids=[c[2] for c in CASES])
def test_each_mistake_names_its_key(path: list[Any], value: Any, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_set(example(), path, value))
    assert caught.value.key == key
    assert f"configuration key '{key}'" in str(caught.value)


def test_duplicates_are_refused() -> None:
    raw = example()
    raw["services"].append(copy.deepcopy(raw["services"][0]))
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert caught.value.key == "services[1].key"
    raw = example()
    raw["rules"].append(copy.deepcopy(raw["rules"][0]))
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert caught.value.key == "rules[big payments incidents].name"


def test_events_for_later_integrations_are_accepted() -> None:
    raw = example()
    raw["rules"] = [
        {"name": "alert", "when": "alert_received", "then": [{"statuspage": True}]},
        {"name": "overdue", "when": "action_item_overdue", "then": [{"create_tracker_issue": {}}]},
    ]
    assert [r.when for r in parse_config(raw).rules.rules] == [
        "alert_received",
        "action_item_overdue",
    ]
