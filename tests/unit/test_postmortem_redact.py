"""Secrets and personal data are replaced before text leaves Sitrep."""

from __future__ import annotations

import pytest

from core.postmortem.redact import CARD, EMAIL, PHONE, SECRET, TOKEN, redact, redact_counted


@pytest.mark.parametrize(
    ("text", "gone", "marker"),
    [
        ("bot token xoxb-123456789012-abcdefABCDEF leaked", "xoxb-1234", TOKEN),
        ("app token xapp-1-A0123-456-abcdef0123", "xapp-1-A0123", TOKEN),
        (
            "Authorization: Bearer abc123def456ghi789",
            "abc123def456",
            TOKEN.replace("token", "secret"),
        ),
        ("key AKIAIOSFODNN7EXAMPLE in the env", "AKIAIOSFODNN7EXAMPLE", TOKEN),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtn", SECRET),
        ("ANTHROPIC key sk-ant-api03-abcdefghijklmnopqrstu", "sk-ant-api03", TOKEN),
        ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39", TOKEN),
        ("gh token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdef", TOKEN),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
            "eyJhbGci",
            TOKEN,
        ),
        ("DATABASE_URL=postgres://sitrep:hunter2@db.internal/x", "hunter2", SECRET),
        ("password: correct-horse", "correct-horse", SECRET),
        ("mail jane.doe@example.com now", "jane.doe@example.com", EMAIL),
        ("<mailto:bob@corp.io|bob@corp.io>", "bob@corp.io", EMAIL),
        ("call +1 415 555 0134", "415 555 0134", PHONE),
        ("call (415) 555-0134 today", "555-0134", PHONE),
        ("ring +44 20 7946 0958", "7946 0958", PHONE),
        ("card 4111 1111 1111 1111 declined", "4111 1111", CARD),
        ("card 5500-0000-0000-0004 declined", "5500-0000", CARD),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "MIIE", SECRET),
    ],
)
def test_each_kind_is_replaced(text: str, gone: str, marker: str) -> None:
    out = redact(text)
    assert gone not in out
    assert "[redacted" in out


@pytest.mark.parametrize(
    "text",
    [
        "deployed at 2026-01-05 14:02 UTC",
        "pod 10.0.12.5 and 192.168.100.200 unreachable",
        "slack ts 1700000000.123456",
        "version 1.22.3 rolled back; order 123456789 retried",
        "card-like but not Luhn: 4111 1111 1111 1112",
        "max_tokens=4000, Basic authentication failed",
        "<@UALICE> says the p99 is 2300 ms",
    ],
)
def test_ordinary_incident_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_counts_accumulate_by_kind() -> None:
    first = redact_counted("a@b.io and c@d.io")
    redact_counted("xoxb-1234567890-abcdef", first.counts)
    assert first.counts == {"email": 2, "token": 1}
