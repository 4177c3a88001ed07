"""The few lines a search result shows: Slack markup made readable, query words in bold.

Kept apart from the backends because both show the same excerpt: it is cut
from the stored text in Python, not by FTS5's ``snippet`` or ``ts_headline``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from storage.search.query import WORD

_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_ANGLE = re.compile(r"<([^<>]+)>")
_JSON_NOISE = re.compile(r'[\[\]"]')


def plain(value: str) -> str:
    """Slack markup reduced to readable text: ``<url|label>`` -> label, ``<@U1>`` -> @U1."""
    value = _LINK.sub(r"\2", value)
    value = _ANGLE.sub(r"\1", value)
    return " ".join(_JSON_NOISE.sub(" ", value).split())


def _stem(word: str) -> str:
    """A crude stem for highlighting: enough to match "timeouts" to "timeout"."""
    word = word.lower()
    return word[:5] if len(word) > 5 else word


def excerpt(
    body: str, words: Iterable[str], width: int = 180, *, require_match: bool = False
) -> str:
    """A window of ``body`` around the first query word, with the words in bold."""
    text_ = plain(body)
    stems = {_stem(w) for w in words if w}
    # Only up to the first matching word: postmortems run to thousands of words.
    first = next((t for t in WORD.finditer(text_) if _stem(t.group()) in stems), None)
    if first is None and require_match:
        return ""
    start = 0
    if first is not None and first.start() > width // 3:
        start = first.start() - width // 3
        start = text_.rfind(" ", 0, start) + 1
    window = text_[start : start + width]
    cut_end = start + width < len(text_)
    if cut_end and " " in window:
        window = window[: window.rfind(" ")]

    def bold(m: re.Match[str]) -> str:
        return f"*{m.group()}*" if _stem(m.group()) in stems else m.group()

    result = WORD.sub(bold, window)
    return ("…" if start else "") + result + ("…" if cut_end else "")
