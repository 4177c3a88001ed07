"""Blame and counterfactual phrasing is found, with a system-focused suggestion."""

from __future__ import annotations

import pytest

from core.postmortem.blameless import check_document, check_fields, check_text


@pytest.mark.parametrize(
    ("text", "phrase", "kind"),
    [
        ("We should have checked the dashboard", "should have", "counterfactual"),
        ("Bob shouldn't have deployed on Friday", "shouldn't have", "counterfactual"),
        ("Root cause: human error", "human error", "judgement"),
        ("Bob broke prod by deploying", "Bob broke prod", "attribution"),
        ("<@UBOB> took down checkout", "<@UBOB> took down checkout", "attribution"),
        ("I broke the build", "I broke the build", "attribution"),
        ("Alice was careless with the config", "careless", "judgement"),
        ("The on-call failed to escalate", "failed to", "counterfactual"),
        ("He forgot to run the migration", "forgot to", "counterfactual"),
        ("It was Bob's fault", "Bob's fault", "attribution"),
    ],
)
def test_blaming_phrases_are_found(text: str, phrase: str, kind: str) -> None:
    findings = check_text(text)
    assert [(f.phrase, f.kind) for f in findings] == [(phrase, kind)]
    assert findings[0].suggestion
    assert phrase in findings[0].excerpt


@pytest.mark.parametrize(
    "text",
    [
        "The deploy broke prod because the pricing service had no canary stage",
        "Bob rolled back the pricing deploy at 14:20",
        "The failover worked and traffic recovered",
        "Alice paged the database team; they had seen this failure mode before",
    ],
)
def test_neutral_system_focused_text_passes(text: str) -> None:
    assert check_text(text) == []


def test_documents_are_checked_outside_their_quotes_of_the_channel() -> None:
    markdown = "\n".join(
        [
            "# INC-1 postmortem",
            "## Summary",
            "Carol should have seen the alert.",
            "## Timeline",
            "### Key events",
            "- `14:02` **Bob**: we should have rolled back sooner",
            "### Full log",
            "- `14:03` **Bob**: I broke prod",
            "## What went wrong",
            "> quoted: failed to page",
            "The alert failed to page anyone.",
        ]
    )
    findings = check_document(markdown)
    assert [(f.section, f.phrase, f.line) for f in findings] == [
        ("Summary", "should have", 3),
        ("What went wrong", "failed to", 11),
    ]


def test_fields_are_checked_by_name() -> None:
    findings = check_fields({"went_wrong": ["Human error in the runbook"], "summary": "Fine."})
    assert [(f.section, f.phrase) for f in findings] == [("went_wrong", "Human error")]
