"""Spotting blame and counterfactual phrasing, and offering system-focused wording.

Naming who did what is fine and often necessary for learning; what hurts is
moral judgement ("careless") and counterfactuals ("should have"), which stop
the analysis at the person instead of asking why the action made sense at the
time and what in the system let it have this effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Sections that quote the channel verbatim; people said what they said.
QUOTED_SECTION = re.compile(r"timeline|full log|insight|key events", re.I)
# Only the opening marks: the title is cut out in Python. A pattern that also matched
# the closing "#"s had three ways to share each run of spaces and took cubic time.
HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]+|$)")
# Beyond these, text is not checked: a pasted book is not a postmortem, and every
# pattern's work is bounded by them whatever the text.
MAX_LINE = 5_000
MAX_DOCUMENT = 500_000


@dataclass(frozen=True)
class Rule:
    kind: str  # counterfactual, judgement, attribution
    pattern: re.Pattern[str]
    suggestion: str


def _rule(kind: str, pattern: str, suggestion: str) -> Rule:
    return Rule(kind, re.compile(pattern, re.I), suggestion)


_NOT_PEOPLE = (
    r"(?i:the|a|an|this|that|it|we|they|our|deploy|deployment|change|config|release|migration"
    r"|cache|traffic|load|bug|script|job|cron|update|patch|rollout|query|which|what)"
)
_BREAKABLE = (
    r"(?i:prod|production|the site|the build|the deploy|the database|the db|staging|checkout"
    r"|everything|it|things|the api|the app|the service)"
)

RULES: tuple[Rule, ...] = (
    _rule(
        "counterfactual",
        r"\b(?:should(?:n['’]t| not)? have|should['’]ve|could have|could['’]ve|"
        r"would have|would['’]ve|ought to have)\b",
        'Describe what did happen and why it made sense at the time, e.g. "the dashboard '
        'was not checked; the alert that pointed to it had been noisy for weeks".',
    ),
    _rule(
        "counterfactual",
        r"\bif only\b",
        "Say what the people involved knew at the time instead of what hindsight shows.",
    ),
    _rule(
        "judgement",
        r"\b(?:human|operator|user|engineer|developer|pilot) error\b",
        'Name the condition that let an everyday action have this effect, e.g. "the deploy '
        'process allowed an untested change to reach production without a gate".',
    ),
    # "Bob broke prod", "<@U123> took down checkout", "I broke the build": a person as the cause.
    Rule(
        "attribution",
        re.compile(
            r"(?<![\w@<])(?:<@\w+>|@[\w.-]+|I|(?!" + _NOT_PEOPLE + r"\b)[A-Z][a-z]+)"
            r"\s+(?i:broke|took down|brought down|crashed|killed|nuked)\s+" + _BREAKABLE
        ),
        'Describe the change, not the person: "a configuration change reached production and '
        'caused ..." — then ask what let it through.',
    ),
    _rule(
        "judgement",
        r"\b(?:careless(?:ly|ness)?|negligen(?:t|ce)|sloppy|lazy|incompetent|reckless(?:ly)?|"
        r"stupid|dumb|inattentive|sloppiness|clueless)\b",
        "Drop the judgement of people; describe the conditions instead (time pressure, "
        "fatigue, missing information, tooling that made the step easy to miss).",
    ),
    _rule(
        "counterfactual",
        r"\bfail(?:ed|s)? to\b",
        'Use "did not", and add what made the step hard: "the runbook step was not run; it '
        'lives in a wiki page the on-call engineer had no link to".',
    ),
    _rule(
        "counterfactual",
        r"\bforgot to\b|\bneglected to\b|\bdidn['’]t bother\b",
        "The process relied on someone remembering; describe the step that was missed and "
        "consider a check that does it automatically.",
    ),
    _rule(
        "attribution",
        r"\b(?:(?:his|her|their|[A-Z]\w+['’]s) fault|to blame|blame[ds]? (?:on|for)|"
        r"(?:messed|screwed) up|dropped the ball)\b",
        "Focus on how the system allowed it: which safeguard was missing, and what would "
        "have made the safer path the easy one?",
    ),
    _rule(
        "judgement",
        r"\b(?:obviously|clearly should|simply (?:had|needed) to|just (?:had|needed) to)\b",
        "Hindsight makes the path look obvious; describe what the signals looked like at the time.",
    ),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    phrase: str  # the words as written
    excerpt: str  # the sentence around them, for context
    suggestion: str
    section: str  # the heading it sits under, or ""
    line: int  # 1-based


def heading_title(line: str) -> str | None:
    """The title of a Markdown ATX heading (``## Impact ##`` -> ``Impact``), else None."""
    marks = HEADING.match(line)
    if marks is None:
        return None
    title = line[marks.end() :].strip()
    closed = title.rstrip("#")
    if closed != title and (not closed or closed[-1] in " \t"):
        title = closed.strip()
    return title or None


def check_text(text: str, section: str = "", first_line: int = 1) -> list[Finding]:
    findings: list[Finding] = []
    for offset, whole in enumerate(text[:MAX_DOCUMENT].splitlines() or [text]):
        line = whole[:MAX_LINE]
        if not line.strip():
            continue
        for rule in RULES:
            for match in rule.pattern.finditer(line):
                findings.append(
                    Finding(
                        kind=rule.kind,
                        phrase=match.group(0),
                        excerpt=_excerpt(line, match.start(), match.end()),
                        suggestion=rule.suggestion,
                        section=section,
                        line=first_line + offset,
                    )
                )
    return findings


def check_document(markdown: str, *, skip_quoted: bool = True) -> list[Finding]:
    """Check a whole postmortem, section by section, leaving verbatim quotes of the channel."""
    findings: list[Finding] = []
    section = ""
    for number, line in enumerate(markdown[:MAX_DOCUMENT].splitlines(), start=1):
        title = heading_title(line[:MAX_LINE])
        if title is not None:
            section = title
            continue
        if skip_quoted and (QUOTED_SECTION.search(section) or line.lstrip().startswith(">")):
            continue
        findings.extend(check_text(line, section, number))
    return findings


def check_fields(fields: dict[str, str | list[str]]) -> list[Finding]:
    """Check named narrative fields (e.g. an AI draft); ``section`` is the field name."""
    findings: list[Finding] = []
    for name, value in fields.items():
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            findings.extend(check_text(text, name))
    return findings


def _excerpt(line: str, start: int, end: int, width: int = 60) -> str:
    left = max(0, start - width)
    right = min(len(line), end + width)
    text = line[left:right].strip()
    return ("…" if left else "") + text + ("…" if right < len(line) else "")
