"""Secrets and personal data are replaced before text leaves Sitrep."""

from __future__ import annotations

import pytest

from core.postmortem.redact import CARD, EMAIL, PHONE, SECRET, TOKEN, redact, redact_counted

# Shapes found missing since the first version; every new miss gets a row here.
SHAPES = [
    (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGV0eXMBCAC7\n=Xy1z\n"
        "-----END PGP PRIVATE KEY BLOCK-----",
        "lQOYBGV0eXMBCAC7",
        SECRET,
    ),
    ("pasted: -----BEGIN PGP PRIVATE KEY BLOCK----- / lQOYBGV0eXMBCAC7 / =Xy1z", "lQOYBG", SECRET),
    ("REDIS_URL=redis://:s3cretpass@cache.internal:6379/0", "s3cretpass", SECRET),
    ("postgres://app:p@ss@w0rd@db.internal:5432/app", "w0rd", SECRET),
    ("postgres://app:hunt@er22@db:5432/app", "er22", SECRET),
    ("mysql -u root --password hunter22 -h db.internal", "hunter22", SECRET),
    ("psql --password=hunter22 -h db", "hunter22", SECRET),
    ("vault login --token 'hvs.CAESIJ x'", "hvs.CAESIJ", SECRET),
    ('{"user": "svc", "password": "correct horse battery"}', "horse battery", SECRET),
    ('{"password": "pa\\"ss word"}', "ss word", SECRET),
    ("password: 'two words'", "two words", SECRET),
    (
        '"private_key_id": "8f1c2e9d0b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"',
        "8f1c2e9d0b7a6f5e",
        SECRET,
    ),
    ("token xoxb-1234567890\u200b-abcdefghijkl split", "abcdefghijkl", TOKEN),
    ("token xoxb-12345\u2060678901-abcdefghijkl split", "678901", TOKEN),
    ("SLACK_xoxb-1234567890-abcdefghijkl", "xoxb-1234567890", TOKEN),
    ("MY_ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghij", TOKEN),
    ("aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI", SECRET),
    (
        '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        "wJalrXUtnFEMI",
        SECRET,
    ),
    ("aws_secret_access_key\n  wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtn", SECRET),
]


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
        *SHAPES,
    ],
)
def test_each_kind_is_replaced(text: str, gone: str, marker: str) -> None:
    out = redact(text)
    assert gone not in out
    assert marker in out


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
        "password reset emails were delayed; the token expired at 14:00",
        "run it with --password-file /etc/app/pass and --token-ttl 30m",
        "see https://grafana.example:3000/d/abc and ping a@b",
        "family emoji \U0001f468\u200d\U0001f469\u200d\U0001f467 stays whole",
    ],
)
def test_ordinary_incident_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_counts_accumulate_by_kind() -> None:
    first = redact_counted("a@b.io and c@d.io")
    redact_counted("xoxb-1234567890-abcdef", first.counts)
    assert first.counts == {"email": 2, "token": 1}


def test_a_quoted_secret_keeps_its_quotes_and_key() -> None:
    assert redact('{"password": "a b c"}') == '{"password": "[redacted secret]"}'
    assert redact("--password hunter22") == "--password [redacted secret]"


def test_a_url_keeps_its_user_and_host() -> None:
    assert redact("redis://:pw@cache:6379") == "redis://:[redacted secret]@cache:6379"
    assert redact("postgres://app:p@ss@db/app") == "postgres://app:[redacted secret]@db/app"
