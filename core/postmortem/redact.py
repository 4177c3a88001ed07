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


def _keep_key_and_quotes(match: re.Match[str]) -> str:
    """``"password": "a b"`` keeps the key and the quotes: ``"password": "[redacted secret]"``."""
    value = match.group("value")
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{SECRET}{quote}"


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
            r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----.*?"
            r"(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|\Z)",
            re.DOTALL,
        ),
        SECRET,
    ),
    # https://user:password@host keeps the user and host; the user may be empty
    # (redis://:password@host) and the password may hold "@": it runs to the last one.
    Rule(
        "url_password",
        re.compile(r"(?P<pre>://[^\s:/@<>|]{0,256}:)[^\s<>|/]{1,256}(?=@)"),
        lambda m: f"{m.group('pre')}{SECRET}",
        ("://",),
    ),
    # Well-known token shapes, in one pass: Slack, AWS access keys, Anthropic/OpenAI, Stripe,
    # GitHub, GitLab, Google, npm, SendGrid, JWTs.
    Rule(
        "token",
        # Not \b: a token glued to a name (SLACK_xoxb-...) must match too.
        re.compile(
            r"(?<![A-Za-z0-9])(?:xox[abposrce]-[A-Za-z0-9-]{6,}"
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
    # key = value / key: value / "key": "value" for names that are secrets by nature. A
    # quoted value is taken whole, spaces and escaped quotes included.
    Rule(
        "assignment",
        re.compile(
            r"(?P<key>(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key"
            r"|private[_-]?key(?:[_-]?id)?|auth[_-]?token|access[_-]?token|refresh[_-]?token"
            r"|client[_-]?secret|aws_secret_access_key|token)[\"']?)(?P<sep>\s*[:=]\s*)"
            r"(?P<value>\"(?!\[redacted)(?:[^\"\\\n]|\\.){1,1024}\""
            r"|'(?!\[redacted)(?:[^'\\\n]|\\.){1,1024}'"
            r"|[\"']?(?!\[redacted)[^\s\"',;<>|]{4,})",
            re.I,
        ),
        _keep_key_and_quotes,
        ("pass", "pwd", "secret", "key", "token"),
    ),
    # Command-line flags: --password hunter2, --token=abc, --api-key "a b".
    Rule(
        "assignment",
        re.compile(
            r"(?P<key>(?<![\w-])--?(?:password|passwd|pass|pwd|secret|token|auth-token"
            r"|api[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret|private[_-]?key))"
            r"(?P<sep>=|\s+)"
            r"(?P<value>\"(?!\[redacted)[^\"\n]{1,512}\"|'(?!\[redacted)[^'\n]{1,512}'"
            r"|(?![\[-])[^\s\"',;<>|]+)",
            re.I,
        ),
        _keep_key_and_quotes,
        ("pass", "pwd", "secret", "key", "token"),
    ),
    # An AWS secret key is 40 characters of base64; after its name it needs no "=".
    Rule(
        "aws_secret",
        re.compile(
            r"(?P<key>(?:aws_secret_access_key|aws_secret_key|secret_access_key|SecretAccessKey)"
            r"[\"']?)(?P<sep>\s*(?:[:=]\s*)?)(?P<value>[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=]))",
            re.I,
        ),
        _keep_key_and_quotes,
        ("secret",),
    ),
    Rule(
        "email",
        # Bounded as addresses are (64-character local part, 63-character labels): an
        # unbounded local part was rescanned from every position of a long run of "a.a.a.".
        re.compile(
            r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
            r"\.[A-Za-z]{2,24}\b"
        ),
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


# Invisible characters that split a token so no pattern sees it (xoxb-123<U+200B>456...).
# Only between token characters: elsewhere a zero-width joiner may hold an emoji together.
_SPLITTERS = re.compile(
    r"(?<=[A-Za-z0-9_./+=-])[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]+(?=[A-Za-z0-9_./+=-])"
)


def redact_counted(text: str, counts: Counter[str] | None = None) -> Redaction:
    """Redact ``text``; ``counts`` (kind -> number) accumulates across calls when given."""
    counts = counts if counts is not None else Counter()
    text = _SPLITTERS.sub("", text)
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
