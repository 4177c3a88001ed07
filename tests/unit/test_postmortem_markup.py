"""``inert``: chat and model text placed in the postmortem cannot link, embed or inject HTML."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from core.postmortem.text import inert, slack_to_markdown

HOSTILE = [
    "[Reset your SSO](https://evil.example/a)",
    "[Reset](<https://evil.example/a>)",
    '[Reset](https://evil.example/a "title")',
    "![pixel](https://evil.example/p.png)",
    "![](@U123)",
    "<https://evil.example/auto>",
    "<mailto:ops@evil.example>",
    '<a href="https://evil.example">x</a>',
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<!-- hidden -->",
    "[r]: https://evil.example/r\n[r] and [x][r]",
    "> [r]: https://evil.example/r\n\n[r]",
    "[outer [inner](https://evil.example/i)](https://evil.example/o)",
    "`x` https://evil.example/after-code",
    "a ` lone backtick https://evil.example/lone",
    "https://evil.example/end`",
    "``` https://evil.example/fence",
    "www.evil.example/path",
]


def live(markdown: str) -> list[str]:
    found: list[str] = []
    stack = list(MarkdownIt("commonmark").parse(markdown))
    while stack:
        token = stack.pop()
        if token.type in ("link_open", "image", "html_inline", "html_block"):
            found.append(token.type)
        if token.type == "text" and ("://" in token.content or "www." in token.content):
            found.append("bare url: " + token.content)
        stack.extend(token.children or [])
    return found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markup_is_inert(text: str) -> None:
    assert live(text) != [] or "lone" in text or "fence" in text or "end`" in text
    assert live(inert(text)) == []


def test_words_stay_and_urls_show_as_written() -> None:
    assert inert("[Reset your SSO](https://evil.example/a)") == (
        "[Reset your SSO] (`https://evil.example/a`)"
    )
    assert inert("see https://grafana.example/d/1.") == "see `https://grafana.example/d/1`."


def test_code_the_author_wrote_is_left_as_it_was() -> None:
    assert inert("run `curl https://x.example/health` now") == (
        "run `curl https://x.example/health` now"
    )


def test_fences_we_add_never_pair_with_backticks_already_there() -> None:
    text = "``a`` then https://evil.example/x then `b`"
    out = inert(text)
    assert "```https://evil.example/x```" in out
    assert live(out) == []


def test_chat_links_become_words_and_a_visible_url() -> None:
    markdown = slack_to_markdown("<https://evil.example/sso|Reset your SSO> &lt;b&gt;")
    assert inert(markdown) == "Reset your SSO (`https://evil.example/sso`) < b>"


def test_plain_text_is_unchanged() -> None:
    text = "Rolled back pricing v21 at 14:05; error rate 0.2% (was 40%) [x] done"
    assert inert(text) == text
