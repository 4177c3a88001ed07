from datetime import date

import pytest

from core.channel_names import (
    MAX_LENGTH,
    channel_name,
    is_valid_channel_name,
    slugify,
    variants,
)

PATTERN = "inc-{number}-{slug}"


def name(title: str, number: int = 1, pattern: str = PATTERN) -> str:
    return channel_name(
        pattern, number=number, title=title, severity="SEV2", today=date(2026, 1, 5)
    )


def test_plain_title_is_lowercased_and_hyphenated() -> None:
    assert name("Checkout API returning 500s") == "inc-1-checkout-api-returning-500s"


def test_accents_fold_to_ascii() -> None:
    assert slugify("Café Zahlungsausfall") == "cafe-zahlungsausfall"


def test_emoji_are_spelled_out() -> None:
    assert name("🔥🔥") == "inc-1-fire-fire"


def test_title_without_latin_letters_falls_back() -> None:
    assert name("数据库宕机") == "inc-1-incident"
    assert name("!!!") == "inc-1-incident"


@pytest.mark.parametrize("length", [79, 80, 81, 200, 1000])
def test_long_titles_fit_in_80_characters(length: int) -> None:
    result = name("word " * length)
    assert len(result) <= MAX_LENGTH and is_valid_channel_name(result)


def test_long_slug_is_cut_at_a_word_boundary() -> None:
    result = name("database connection pool exhausted " * 5)
    assert not result.endswith("-") and result.split("-")[-1] in {
        "database",
        "connection",
        "pool",
        "exhausted",
    }


def test_pattern_with_date_and_severity() -> None:
    assert (
        name("DB down", pattern="{date}-{severity}-{number}-{slug}") == "2026-01-05-sev2-1-db-down"
    )


def test_variants_stay_valid_and_unique() -> None:
    base = name("x" * 300)
    names = variants(base)
    assert len(set(names)) == len(names)
    assert all(len(n) <= MAX_LENGTH and is_valid_channel_name(n) for n in names)


@pytest.mark.parametrize("bad", ["", "Upper", "has space", "a" * 81, "---", "emoji🔥"])
def test_invalid_names_are_recognised(bad: str) -> None:
    assert not is_valid_channel_name(bad)
