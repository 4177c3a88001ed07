"""Secrets and personal data taken out of text before it leaves Sitrep.

Incident channels are full of pasted logs: tokens, keys, customer emails and
phone numbers. Anything sent to an AI service, or into a postmortem that is
shared beyond the channel, passes through ``redact`` first. Patterns err on the
side of redacting; a plain run of digits is left alone unless it is a valid
card number (Luhn), because incident text is full of ids and timestamps.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

SECRET = "[redacted secret]"
TOKEN = "[redacted token]"
EMAIL = "[redacted email]"
PHONE = "[redacted phone]"
CARD = "[redacted card]"

Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    replacement: Replacement
    # Lowercase words a match must contain; lines without any are skipped, which keeps
    # a megabyte-long timeline fast. Only for patterns that never span lines.
    hints: tuple[str, ...] = ()


def _keep_key(match: re.Match[str]) -> str:
    """``password=hunter2`` keeps the key so the reader still sees what was there."""
    return f"{match.group('key')}{match.group('sep')}{SECRET}"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return CARD
    return match.group(0)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return PHONE if 8 <= len(digits) <= 15 else match.group(0)


RULES: tuple[Rule, ...] = (
    Rule(
        "private_key",
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        SECRET,
    ),
    # https://user:password@host keeps the user and host.
    Rule(
        "url_password",
        re.compile(r"(?P<pre>://[^\s:/@<>|]+:)[^\s@<>|]+(?=@)"),
        lambda m: f"{m.group('pre')}{SECRET}",
        ("://",),
    ),
    # Well-known token shapes, in one pass: Slack, AWS access keys, Anthropic/OpenAI, Stripe,
    # GitHub, GitLab, Google, npm, SendGrid, JWTs.
    Rule(
        "token",
        re.compile(
            r"\b(?:xox[abposrce]-[A-Za-z0-9-]{6,}"
            r"|xapp-\d-[A-Za-z0-9-]{6,}"
            r"|(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"
            r"|sk-(?:ant-)?[A-Za-z0-9_-]{16,}"
            r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}"
            r"|gh[pousr]_[A-Za-z0-9]{20,}"
            r"|github_pat_[A-Za-z0-9_]{20,}"
            r"|glpat-[A-Za-z0-9_-]{20,}"
            r"|AIza[0-9A-Za-z_-]{35}\b"
            r"|npm_[A-Za-z0-9]{36}\b"
            r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"
            r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
        ),
        TOKEN,
    ),
    Rule("token", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+"), TOKEN),
    Rule(
        "bearer",
        re.compile(
            r"(?P<key>\b(?:Bearer|Basic)\b)(?P<sep>\s+)(?=[A-Za-z\-._~+/]*\d)[A-Za-z0-9\-._~+/]{8,}=*",
            re.I,
        ),
        _keep_key,
        ("bearer", "basic"),
    ),
    # key = value / key: value / "key": "value" for names that are secrets by nature.
    Rule(
        "assignment",
        re.compile(
            r"(?P<key>(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key"
            r"|private[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token|client[_-]?secret"
            r"|aws_secret_access_key|token)[\"']?)(?P<sep>\s*[:=]\s*[\"']?)"
            r"(?!\[redacted)[^\s\"',;<>|]{4,}",
            re.I,
        ),
        _keep_key,
        ("pass", "pwd", "secret", "key", "token"),
    ),
    Rule(
        "email",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
        EMAIL,
        ("@",),
    ),
    Rule("card", re.compile(r"(?<![\d.])\d(?:[ -]?\d){12,18}(?![\d.])"), _card),
    Rule(
        "phone",
        re.compile(
            r"(?<![\w.+/-])(?:"
            r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # +44 20 7946 0958
            r"|\(\d{3}\)\s?\d{3}[\s.-]\d{4}"  # (415) 555-0134
            r"|\d{3}[\s.-]\d{3}[\s.-]\d{4}"  # 415-555-0134
            r"|0\d{2,4}\s\d{3,4}\s\d{3,4}"  # 020 7946 0958
            r")(?![\w.])"
        ),
        _phone,
    ),
)


@dataclass
class Redaction:
    text: str
    counts: Counter[str] = field(default_factory=Counter)


def redact(text: str) -> str:
    return redact_counted(text).text


def redact_counted(text: str, counts: Counter[str] | None = None) -> Redaction:
    """Redact ``text``; ``counts`` (kind -> number) accumulates across calls when given."""
    counts = counts if counts is not None else Counter()
    for rule in RULES:
        text, n = _sub(rule, text)
        if n:
            counts[rule.kind] += n
    return Redaction(text, counts)


LINE_BY_LINE = 20_000  # characters; shorter texts are searched whole


def _sub(rule: Rule, text: str) -> tuple[str, int]:
    if not rule.hints:
        return _sub_all(rule, text)
    lower = text.lower()
    if not any(hint in lower for hint in rule.hints):
        return text, 0
    if len(text) < LINE_BY_LINE:
        return _sub_all(rule, text)
    total = 0
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        low = line.lower()
        if any(hint in low for hint in rule.hints):
            lines[index], n = _sub_all(rule, line)
            total += n
    return "".join(lines), total


def _sub_all(rule: Rule, text: str) -> tuple[str, int]:
    changed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        out = rule.replacement if isinstance(rule.replacement, str) else rule.replacement(match)
        if out != match.group(0):
            changed += 1
        return out

    return rule.pattern.sub(replace, text), changed
