"""Search words become FTS5 and websearch queries that can never be syntax errors."""

from __future__ import annotations

import pytest

from storage.search import InvalidQuery, any_of, excerpt, parse, plain


def test_words_phrases_alternatives_and_exclusions() -> None:
    query = parse('db timeout "connection pool" OR deadlock -staging')
    assert query.fts5() == (
        '(("db" AND "timeout" AND "connection pool") OR ("deadlock")) NOT "staging"'
    )
    assert query.websearch() == 'db timeout "connection pool" or deadlock -staging'
    assert query.words == ["db", "timeout", "connection", "pool", "deadlock"]


@pytest.mark.parametrize(
    "raw, fts",
    [
        ("api-gateway", '("api gateway")'),
        ('say "hi', '("say" AND "hi")'),
        ("NEAR(a b) AND c*", '("NEAR a" AND "b" AND "AND" AND "c")'),
        ("ünïcode café", '("ünïcode" AND "café")'),
    ],
)
def test_operators_and_punctuation_are_just_words(raw: str, fts: str) -> None:
    assert parse(raw).fts5() == fts


@pytest.mark.parametrize("raw", ["", "   ", "!!! ---", '"" OR', "-onlyexcluded"])
def test_nothing_to_search_for_is_refused(raw: str) -> None:
    with pytest.raises(InvalidQuery):
        parse(raw)


def test_any_of_matches_any_word() -> None:
    assert any_of(["Checkout", "timeouts", "checkout", "a-b"]).fts5() == (
        '("checkout") OR ("timeouts")'
    )
    with pytest.raises(InvalidQuery):
        any_of([])


def test_excerpts_read_like_text_and_bold_the_words() -> None:
    text = "<@U1> see <https://grafana/d/1|the dashboard>: " + "filler " * 40 + "DB timeouts again"
    shown = excerpt(text, ["timeout"])
    assert shown.startswith("…") and "*timeouts*" in shown and "<" not in shown
    assert plain("<@U1> see <https://x|dash> &amp; <#C1>") == "@U1 see dash &amp; #C1"
    assert excerpt("nothing here", ["pool"], require_match=True) == ""
